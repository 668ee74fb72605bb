// distmatch's optional native training engine: the MLP MultiTaskModel's training step (forward, the
// objective of src/coupling/objective.ts, backward, Adam as tfjs computes it, decoupled weight decay)
// on libtorch, in one call per step. Built by scripts/build-native.mjs only where libtorch is installed;
// the TypeScript side (src/train/torch-engine.ts) decides when a run is eligible and keeps every other
// part of training (sampling, validation, checkpoints, early stopping) on the TensorFlow.js path.
//
// Written against the plain Node-API C interface (node_api.h ships with Node), so no npm package or
// download is needed to build it.
#include <node_api.h>
#include <torch/torch.h>
#include <ATen/CPUGeneratorImpl.h>

#include <dlfcn.h>

#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

enum class Act { Linear, Relu, Elu, Selu, Tanh, Sigmoid };
enum class Path { Both, Matched, Implied };

// One layer of the shared chain (backbone, then trunk) or of a head, with its variables in tfjs's layout.
enum class Kind { Dense, Conv, BatchNorm, Activation, MaxPool, AvgPool, GlobalAvgPool, Flatten, Dropout };

struct Layer {
  Kind kind = Kind::Dense;
  torch::Tensor kernel;  // Dense [in, out]; Conv [kh, kw, in, out] (tfjs's layouts, so weights copy as they are)
  torch::Tensor bias;    // [out] or undefined
  torch::Tensor gamma, beta, movingMean, movingVariance;  // BatchNorm, per channel
  Act act = Act::Linear;  // Dense, Conv, Activation
  double reluMax = 0;     // Activation "relu" with a ceiling (tf.layers.reLU's maxValue), 0 = none
  double rate = 0;        // Dropout
  std::vector<int64_t> window, strides, padding;  // Conv, pools
  double momentum = 0.99, epsilon = 1e-3;         // BatchNorm
};

struct Head {
  bool multiclass = true;
  int size = 0;
  std::vector<Layer> layers;  // hidden layers, then the output layer (linear)
};

struct Coupling {
  int a = 0, b = 0;
  bool categorical = false;
  double dm = 0, sca = 0;
  Path dmPath = Path::Both, scaPath = Path::Both;
  bool missingOnly = false;
  bool kl = false;
  torch::Tensor R;  // [K, M]
  // SCA constants: "log" (onLog, onLog1m: [M, K]), "linear" (onProb [M, K], bias [K]) or "categorical" (posterior [J, K]).
  std::string scaKind;
  torch::Tensor s1, s2;
};

struct Engine {
  std::vector<Layer> shared;  // backbone and trunk
  std::vector<Head> heads;
  std::vector<Coupling> couplings;
  std::vector<int64_t> inputShape;    // per sample: [d] or [height, width, channels]
  std::vector<torch::Tensor> params;  // trainable, in the order the JS side lists them
  std::vector<bool> decayed;
  std::vector<torch::Tensor> buffers;  // batch norm's moving statistics, same order
  std::vector<torch::Tensor> m, v;
  double eps = 1e-7;
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, adamEps = 1e-7f;
  float accBeta1 = 0.9f, accBeta2 = 0.999f;  // float32, as tfjs keeps them
  float weightDecay = 0;
  int inputDim = 0;
  // Bound training sources: their input rows [n, inputDim], kept alive by references while bound.
  std::vector<const float*> sources;
  std::vector<int64_t> sourceRows;
  std::vector<napi_ref> sourceRefs;
};

// ---------------------------------------------------------------- Node-API helpers

struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(napi_env env, napi_status status, const char* what) {
  if (status != napi_ok) throw JsError(std::string("distmatch native: ") + what);
}

napi_value prop(napi_env env, napi_value obj, const char* name) {
  napi_value out;
  check(env, napi_get_named_property(env, obj, name, &out), name);
  return out;
}

double num(napi_env env, napi_value v, const char* name) {
  double out;
  if (napi_get_value_double(env, v, &out) != napi_ok) throw JsError(std::string("distmatch native: ") + name + " must be a number");
  return out;
}

double numProp(napi_env env, napi_value obj, const char* name) { return num(env, prop(env, obj, name), name); }

// The first N arguments of a call (absent ones are undefined).
template <size_t N>
std::array<napi_value, N> callArgs(napi_env env, napi_callback_info info) {
  size_t argc = N;
  std::array<napi_value, N> args{};
  check(env, napi_get_cb_info(env, info, &argc, args.data(), nullptr, nullptr), "arguments");
  return args;
}

bool boolProp(napi_env env, napi_value obj, const char* name) {
  bool out;
  if (napi_get_value_bool(env, prop(env, obj, name), &out) != napi_ok) throw JsError(std::string("distmatch native: ") + name + " must be a boolean");
  return out;
}

std::string strProp(napi_env env, napi_value obj, const char* name) {
  napi_value v = prop(env, obj, name);
  size_t len;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) throw JsError(std::string("distmatch native: ") + name + " must be a string");
  std::string s(len, '\0');
  check(env, napi_get_value_string_utf8(env, v, s.data(), len + 1, &len), name);
  return s;
}

uint32_t length(napi_env env, napi_value arr) {
  uint32_t n;
  check(env, napi_get_array_length(env, arr, &n), "array length");
  return n;
}

napi_value at(napi_env env, napi_value arr, uint32_t i) {
  napi_value out;
  check(env, napi_get_element(env, arr, i, &out), "array element");
  return out;
}

// A typed array's memory and length, checked for its element type.
void* typedData(napi_env env, napi_value v, napi_typedarray_type expected, size_t* len, const char* name, const char* typeName) {
  napi_typedarray_type type;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, len, &data, &buffer, &offset) != napi_ok || type != expected) {
    throw JsError(std::string("distmatch native: ") + name + " must be " + typeName);
  }
  return data;
}

// A typed array's memory, checked for its type and length.
template <typename T>
T* typed(napi_env env, napi_value v, napi_typedarray_type type, const char* typeName, size_t expected, const char* name) {
  size_t len;
  void* data = typedData(env, v, type, &len, name, typeName);
  if (len != expected) {
    throw JsError(std::string("distmatch native: ") + name + " has " + std::to_string(len) + " values, expected " + std::to_string(expected));
  }
  return static_cast<T*>(data);
}

float* floats(napi_env env, napi_value v, size_t expected, const char* name) {
  return typed<float>(env, v, napi_float32_array, "a Float32Array", expected, name);
}

int32_t* ints(napi_env env, napi_value v, size_t expected, const char* name) {
  return typed<int32_t>(env, v, napi_int32_array, "an Int32Array", expected, name);
}

// A copy of a Float32Array as a [rows, cols] tensor that owns its memory.
torch::Tensor matrix(napi_env env, napi_value v, int64_t rows, int64_t cols, const char* name) {
  float* data = floats(env, v, static_cast<size_t>(rows * cols), name);
  return torch::from_blob(data, {rows, cols}, torch::kFloat32).clone();
}

napi_value float32Array(napi_env env, const float* data, size_t n) {
  void* out;
  napi_value buffer, array;
  check(env, napi_create_arraybuffer(env, n * sizeof(float), &out, &buffer), "arraybuffer");
  std::memcpy(out, data, n * sizeof(float));
  check(env, napi_create_typedarray(env, napi_float32_array, n, buffer, 0, &array), "typedarray");
  return array;
}

Act activation(const std::string& name) {
  if (name == "linear") return Act::Linear;
  if (name == "relu") return Act::Relu;
  if (name == "elu") return Act::Elu;
  if (name == "selu") return Act::Selu;
  if (name == "tanh") return Act::Tanh;
  if (name == "sigmoid") return Act::Sigmoid;
  throw JsError("distmatch native: unknown activation " + name);
}

Path path(const std::string& name) {
  if (name == "both") return Path::Both;
  if (name == "matched") return Path::Matched;
  if (name == "implied") return Path::Implied;
  throw JsError("distmatch native: unknown gradient path " + name);
}

std::vector<int64_t> intList(napi_env env, napi_value obj, const char* name) {
  napi_value arr = prop(env, obj, name);
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < length(env, arr); i++) out.push_back(static_cast<int64_t>(num(env, at(env, arr, i), name)));
  return out;
}

torch::Tensor trainable(std::vector<int64_t> shape) { return torch::zeros(shape, torch::kFloat32).requires_grad_(true); }

Layer layer(napi_env env, napi_value spec) {
  Layer l;
  const std::string kind = strProp(env, spec, "kind");
  if (kind == "dense") {
    l.kind = Kind::Dense;
    l.kernel = trainable({static_cast<int64_t>(numProp(env, spec, "inputs")), static_cast<int64_t>(numProp(env, spec, "units"))});
    if (boolProp(env, spec, "useBias")) l.bias = trainable({static_cast<int64_t>(numProp(env, spec, "units"))});
    l.act = activation(strProp(env, spec, "activation"));
  } else if (kind == "conv") {
    l.kind = Kind::Conv;
    l.window = intList(env, spec, "window");
    l.strides = intList(env, spec, "strides");
    l.padding = intList(env, spec, "padding");
    const int64_t in = static_cast<int64_t>(numProp(env, spec, "inputs")), out = static_cast<int64_t>(numProp(env, spec, "filters"));
    l.kernel = trainable({l.window[0], l.window[1], in, out});
    if (boolProp(env, spec, "useBias")) l.bias = trainable({out});
    l.act = activation(strProp(env, spec, "activation"));
  } else if (kind == "batchnorm") {
    l.kind = Kind::BatchNorm;
    const int64_t c = static_cast<int64_t>(numProp(env, spec, "channels"));
    l.gamma = trainable({c});
    l.beta = trainable({c});
    l.movingMean = torch::zeros({c}, torch::kFloat32);
    l.movingVariance = torch::ones({c}, torch::kFloat32);
    l.momentum = numProp(env, spec, "momentum");
    l.epsilon = numProp(env, spec, "epsilon");
  } else if (kind == "activation") {
    l.kind = Kind::Activation;
    l.act = activation(strProp(env, spec, "activation"));
    l.reluMax = numProp(env, spec, "reluMax");
  } else if (kind == "maxpool" || kind == "avgpool") {
    l.kind = kind == "maxpool" ? Kind::MaxPool : Kind::AvgPool;
    l.window = intList(env, spec, "window");
    l.strides = intList(env, spec, "strides");
  } else if (kind == "gap") {
    l.kind = Kind::GlobalAvgPool;
  } else if (kind == "flatten") {
    l.kind = Kind::Flatten;
  } else if (kind == "dropout") {
    l.kind = Kind::Dropout;
    l.rate = numProp(env, spec, "rate");
  } else {
    throw JsError("distmatch native: unknown layer kind " + kind);
  }
  return l;
}

// ---------------------------------------------------------------- the step

torch::Tensor activate(const torch::Tensor& h, Act act) {
  switch (act) {
    case Act::Relu: return torch::relu(h);
    case Act::Elu: return torch::elu(h);
    case Act::Selu: return torch::selu(h);
    case Act::Tanh: return torch::tanh(h);
    case Act::Sigmoid: return torch::sigmoid(h);
    default: return h;
  }
}

torch::Tensor dropout(const torch::Tensor& h, double rate, at::Generator* gen) {
  const double keep = 1 - rate;
  torch::Tensor mask = torch::empty_like(h).bernoulli_(keep, *gen);
  return h * mask * (1 / keep);
}

// Batch norm over every axis but the channels (axis 1 in NCHW and in [B, F]); in training, with the
// batch's mean and biased variance, and the moving statistics updated as tfjs does.
torch::Tensor batchNorm(Layer& l, const torch::Tensor& h, bool training) {
  if (!training) return torch::batch_norm(h, l.gamma, l.beta, l.movingMean, l.movingVariance, false, 0, l.epsilon, false);
  torch::Tensor out = torch::batch_norm(h, l.gamma, l.beta, {}, {}, true, 0, l.epsilon, false);
  torch::NoGradGuard guard;
  std::vector<int64_t> axes{0};
  for (int64_t d = 2; d < h.dim(); d++) axes.push_back(d);
  torch::Tensor x = h.detach();
  const double decay = 1 - l.momentum;
  auto [variance, mean] = torch::var_mean(x, axes, false);
  l.movingMean.sub_((l.movingMean - mean) * decay);
  l.movingVariance.sub_((l.movingVariance - variance) * decay);
  return out;
}

torch::Tensor apply(Layer& l, const torch::Tensor& h, bool training, at::Generator* gen) {
  switch (l.kind) {
    case Kind::Dense:
      return activate(l.bias.defined() ? torch::addmm(l.bias, h, l.kernel) : torch::mm(h, l.kernel), l.act);
    case Kind::Conv:
      return activate(torch::conv2d(h, l.kernel.permute({3, 2, 0, 1}), l.bias.defined() ? l.bias : torch::Tensor(), l.strides, l.padding), l.act);
    case Kind::BatchNorm:
      return batchNorm(l, h, training);
    case Kind::Activation:
      return l.reluMax > 0 ? torch::clamp(h, 0, l.reluMax) : activate(h, l.act);
    case Kind::MaxPool:
      return torch::max_pool2d(h, l.window, l.strides);
    case Kind::AvgPool:
      return torch::avg_pool2d(h, l.window, l.strides);
    case Kind::GlobalAvgPool:
      return h.mean({2, 3});
    case Kind::Flatten:
      // tfjs flattens NHWC: channels last.
      return h.dim() == 4 ? h.permute({0, 2, 3, 1}).reshape({h.size(0), -1}) : h.reshape({h.size(0), -1});
    case Kind::Dropout:
      return training && l.rate > 0 && gen ? dropout(h, l.rate, gen) : h;
  }
  return h;
}

// Logits per head. Image inputs arrive as NHWC rows and run NCHW (libtorch's convolution layout).
std::vector<torch::Tensor> forward(Engine& e, const torch::Tensor& x, bool training, at::Generator* gen) {
  torch::Tensor h = x;
  if (e.inputShape.size() == 3) h = x.view({x.size(0), e.inputShape[0], e.inputShape[1], e.inputShape[2]}).permute({0, 3, 1, 2}).contiguous();
  for (Layer& l : e.shared) h = apply(l, h, training, gen);
  std::vector<torch::Tensor> logits;
  for (Head& head : e.heads) {
    torch::Tensor z = h;
    for (Layer& l : head.layers) z = apply(l, z, training, gen);
    logits.push_back(z);
  }
  return logits;
}

torch::Tensor clog(const torch::Tensor& p, double eps) { return torch::log(torch::clamp(p, eps, 1 - eps)); }
torch::Tensor clog1m(const torch::Tensor& p, double eps) { return torch::log(1 - torch::clamp(p, eps, 1 - eps)); }

torch::Tensor sampleMean(const torch::Tensor& perSample, const torch::Tensor& weights) {
  if (!weights.defined()) return perSample.sum() / std::max<int64_t>(perSample.size(0), 1);
  return (perSample * weights).sum() / torch::clamp_min(weights.sum(), 1e-12);
}

struct Targets {
  torch::Tensor a, mask;  // multi-class: one-hot [B, K] and mask [B]; multi-label: values and mask [B, M]
};

torch::Tensor maskedMean(const torch::Tensor& values, const torch::Tensor& mask) {
  return (values * mask).sum() / torch::clamp_min(mask.sum(), 1);
}

torch::Tensor supervised(const Head& head, const torch::Tensor& logits, const Targets& t) {
  if (head.multiclass) {
    torch::Tensor nll = -(t.a * torch::log_softmax(logits, 1)).sum(1);
    return maskedMean(nll, t.mask);
  }
  return maskedMean(torch::softplus(logits) - logits * t.a, t.mask);
}

torch::Tensor unannotated(const Head& head, const Targets& t) {
  return 1 - (head.multiclass ? t.mask : std::get<0>(t.mask.max(1)));
}

torch::Tensor dmTerm(const Coupling& c, const torch::Tensor& pA, const torch::Tensor& pBIn, const torch::Tensor& w, double eps) {
  torch::Tensor q = torch::mm(pA, c.R);
  if (c.dmPath == Path::Matched) q = q.detach();
  torch::Tensor pB = c.dmPath == Path::Implied ? pBIn.detach() : pBIn;
  torch::Tensor perSample;
  if (c.categorical) {
    perSample = -(pB * clog(q, eps)).sum(1);
    if (c.kl) perSample = perSample + (pB * clog(pB, eps)).sum(1);
  } else {
    torch::Tensor h = -(pB * clog(q, eps) + (1 - pB) * clog1m(q, eps));
    if (c.kl) h = h + (pB * clog(pB, eps) + (1 - pB) * clog1m(pB, eps));
    perSample = h.mean(1);
  }
  return sampleMean(perSample, w);
}

torch::Tensor scaTerm(const Coupling& c, const torch::Tensor& pAIn, const torch::Tensor& pB, const torch::Tensor& w, double eps) {
  torch::Tensor q;
  if (c.scaKind == "categorical") {
    q = torch::mm(pB, c.s1);
  } else if (c.scaKind == "linear") {
    q = torch::softmax(torch::mm(pB, c.s1) + c.s2, 1);
  } else {
    q = torch::softmax(torch::mm(clog(pB, eps), c.s1) + torch::mm(clog1m(pB, eps), c.s2), 1);
  }
  torch::Tensor target = c.scaPath == Path::Matched ? q.detach() : q;
  torch::Tensor pA = c.scaPath == Path::Implied ? pAIn.detach() : pAIn;
  torch::Tensor perSample = -(target * clog(pA, eps)).sum(1);
  if (c.kl) perSample = perSample + (target * clog(target, eps)).sum(1);
  return sampleMean(perSample, w);
}

// The terms in the objective's order (supervised per task, then per coupling DM and SCA), and the total.
std::vector<torch::Tensor> objective(Engine& e, const std::vector<torch::Tensor>& logits, const std::vector<Targets>& targets) {
  std::vector<torch::Tensor> terms;
  torch::Tensor total;
  for (size_t t = 0; t < e.heads.size(); t++) {
    torch::Tensor term = supervised(e.heads[t], logits[t], targets[t]);
    terms.push_back(term);
    total = total.defined() ? total + term : term;
  }
  std::vector<torch::Tensor> probs(e.heads.size());
  auto probsOf = [&](int t) -> torch::Tensor& {
    if (!probs[t].defined()) probs[t] = e.heads[t].multiclass ? torch::softmax(logits[t], 1) : torch::sigmoid(logits[t]);
    return probs[t];
  };
  for (const Coupling& c : e.couplings) {
    if (c.dm > 0) {
      torch::Tensor w = c.missingOnly ? unannotated(e.heads[c.b], targets[c.b]) : torch::Tensor();
      torch::Tensor term = dmTerm(c, probsOf(c.a), probsOf(c.b), w, e.eps);
      terms.push_back(term);
      total = total + (c.dm == 1 ? term : term * c.dm);
    }
    if (c.sca > 0) {
      torch::Tensor w = c.missingOnly ? unannotated(e.heads[c.a], targets[c.a]) : torch::Tensor();
      torch::Tensor term = scaTerm(c, probsOf(c.a), probsOf(c.b), w, e.eps);
      terms.push_back(term);
      total = total + (c.sca == 1 ? term : term * c.sca);
    }
  }
  terms.push_back(total);
  return terms;
}

// tfjs's Adam (src/train/fused-adam.ts) in float32: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
// w -= lr (m / (1 - b1^t)) / (eps + sqrt(v / (1 - b2^t))); then the trainer's decoupled weight decay.
void adam(Engine& e, const std::vector<torch::Tensor>& grads) {
  const float b1 = e.beta1, b2 = e.beta2, c1 = 1 - e.beta1, c2 = 1 - e.beta2;
  const float bias1 = static_cast<float>(1 - e.accBeta1), bias2 = static_cast<float>(1 - e.accBeta2);
  const float negLr = -e.lr, eps = e.adamEps, decay = 1 - e.lr * e.weightDecay;
  for (size_t i = 0; i < e.params.size(); i++) {
    torch::Tensor p = e.params[i];
    float* w = p.data_ptr<float>();
    float* m = e.m[i].data_ptr<float>();
    float* v = e.v[i].data_ptr<float>();
    const int64_t n = p.numel();
    if (!grads[i].defined()) continue;
    torch::Tensor g = grads[i].contiguous();
    const float* gd = g.data_ptr<float>();
    for (int64_t j = 0; j < n; j++) {
      const float mj = b1 * m[j] + c1 * gd[j];
      const float vj = b2 * v[j] + c2 * (gd[j] * gd[j]);
      m[j] = mj;
      v[j] = vj;
      const float step = (mj / bias1) / (std::sqrt(vj / bias2) + eps);
      w[j] = step * negLr + w[j];
    }
    if (e.weightDecay > 0 && e.decayed[i]) {
      for (int64_t j = 0; j < n; j++) w[j] *= decay;
    }
  }
  e.accBeta1 = e.accBeta1 * e.beta1;
  e.accBeta2 = e.accBeta2 * e.beta2;
}

// ---------------------------------------------------------------- exported functions

// at::set_num_threads sets libtorch's own pool; OpenBLAS (Debian's libtorch calls it for mm) keeps its
// own threads, one per core unless told otherwise, so it is told here too: "1 thread" means one.
// Looked up in the BLAS libraries already loaded with libtorch (RTLD_NOLOAD: nothing new is loaded).
bool blasThreadsSet = false;

void setThreads(int threads) {
  at::set_num_threads(threads);
  using SetThreads = void (*)(int);
  for (const char* lib : {"libblas.so.3", "libopenblas.so.0", "libopenblasp.so.0"}) {
    void* handle = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle) continue;
    auto fn = reinterpret_cast<SetThreads>(dlsym(handle, "openblas_set_num_threads"));
    dlclose(handle);
    if (fn) {
      fn(threads);
      blasThreadsSet = true;
      return;
    }
  }
}

// info() -> { blasThreads: whether OpenBLAS's thread count could be set, torch: libtorch's version }
napi_value info(napi_env env, napi_callback_info) {
  napi_value out, set, version;
  check(env, napi_create_object(env, &out), "object");
  check(env, napi_get_boolean(env, blasThreadsSet, &set), "boolean");
  check(env, napi_create_string_utf8(env, TORCH_VERSION, NAPI_AUTO_LENGTH, &version), "string");
  check(env, napi_set_named_property(env, out, "blasThreads", set), "blasThreads");
  check(env, napi_set_named_property(env, out, "torch", version), "torch");
  return out;
}

Engine* unwrap(napi_env env, napi_value handle) {
  void* data;
  if (napi_get_value_external(env, handle, &data) != napi_ok || !data) throw JsError("distmatch native: not an engine handle");
  return static_cast<Engine*>(data);
}

void finalize(napi_env env, void* data, void*) {
  Engine* e = static_cast<Engine*>(data);
  for (napi_ref ref : e->sourceRefs) napi_delete_reference(env, ref);
  delete e;
}

// Variables in the order the JS side lists them: per layer kernel, bias (Dense, Conv), gamma, beta (BatchNorm).
void collectParams(Engine& e) {
  auto add = [&](Layer& l) {
    for (torch::Tensor* t : {&l.kernel, &l.bias, &l.gamma, &l.beta}) {
      if (t->defined()) e.params.push_back(*t);
    }
    if (l.kind == Kind::BatchNorm) {
      e.buffers.push_back(l.movingMean);
      e.buffers.push_back(l.movingVariance);
    }
  };
  for (Layer& l : e.shared) add(l);
  for (Head& h : e.heads) for (Layer& l : h.layers) add(l);
  for (const torch::Tensor& p : e.params) {
    e.m.push_back(torch::zeros_like(p).detach());
    e.v.push_back(torch::zeros_like(p).detach());
  }
}

Coupling coupling(napi_env env, napi_value spec, const Engine& e) {
  Coupling c;
  c.a = static_cast<int>(numProp(env, spec, "a"));
  c.b = static_cast<int>(numProp(env, spec, "b"));
  if (c.a < 0 || c.b < 0 || c.a >= static_cast<int>(e.heads.size()) || c.b >= static_cast<int>(e.heads.size())) throw JsError("distmatch native: coupling task index out of range");
  c.categorical = boolProp(env, spec, "categorical");
  c.dm = numProp(env, spec, "dm");
  c.sca = numProp(env, spec, "sca");
  c.dmPath = path(strProp(env, spec, "dmGradient"));
  c.scaPath = path(strProp(env, spec, "scaGradient"));
  c.missingOnly = boolProp(env, spec, "missingOnly");
  c.kl = boolProp(env, spec, "kl");
  const int64_t k = e.heads[c.a].size, m = e.heads[c.b].size;
  c.R = matrix(env, prop(env, spec, "R"), k, m, "R");
  if (c.sca > 0) {
    c.scaKind = strProp(env, spec, "scaKind");
    if (c.scaKind == "categorical") {
      c.s1 = matrix(env, prop(env, spec, "s1"), m, k, "posterior");
    } else if (c.scaKind == "linear") {
      c.s1 = matrix(env, prop(env, spec, "s1"), m, k, "onProb");
      c.s2 = matrix(env, prop(env, spec, "s2"), 1, k, "bias").reshape({k});
    } else if (c.scaKind == "log") {
      c.s1 = matrix(env, prop(env, spec, "s1"), m, k, "onLog");
      c.s2 = matrix(env, prop(env, spec, "s2"), m, k, "onLog1m");
    } else {
      throw JsError("distmatch native: unknown scaKind " + c.scaKind);
    }
  }
  return c;
}

// create(spec) -> handle. spec: { inputShape, threads, eps, adam: {learningRate, beta1, beta2, epsilon},
// weightDecay, decayed: boolean[] (per variable), shared: Layer[], heads: { multiclass, size, layers:
// Layer[] }[], couplings: Coupling[] }; a Layer is { kind: "dense" | "conv" | "batchnorm" | "activation" |
// "maxpool" | "avgpool" | "gap" | "flatten" | "dropout", ... } with the fields layer() reads.
napi_value create(napi_env env, napi_callback_info info) {
  napi_value spec = callArgs<1>(env, info)[0];
  auto e = std::make_unique<Engine>();
  e->inputShape = intList(env, spec, "inputShape");
  int64_t inputDim = 1;
  for (int64_t d : e->inputShape) inputDim *= d;
  e->inputDim = static_cast<int>(inputDim);
  setThreads(static_cast<int>(numProp(env, spec, "threads")));
  e->eps = numProp(env, spec, "eps");
  napi_value adamSpec = prop(env, spec, "adam");
  e->lr = static_cast<float>(numProp(env, adamSpec, "learningRate"));
  e->beta1 = static_cast<float>(numProp(env, adamSpec, "beta1"));
  e->beta2 = static_cast<float>(numProp(env, adamSpec, "beta2"));
  e->adamEps = static_cast<float>(numProp(env, adamSpec, "epsilon"));
  e->accBeta1 = e->beta1;
  e->accBeta2 = e->beta2;
  e->weightDecay = static_cast<float>(numProp(env, spec, "weightDecay"));
  napi_value shared = prop(env, spec, "shared");
  for (uint32_t i = 0; i < length(env, shared); i++) e->shared.push_back(layer(env, at(env, shared, i)));
  napi_value heads = prop(env, spec, "heads");
  for (uint32_t i = 0; i < length(env, heads); i++) {
    napi_value h = at(env, heads, i);
    Head head;
    head.multiclass = boolProp(env, h, "multiclass");
    head.size = static_cast<int>(numProp(env, h, "size"));
    napi_value layers = prop(env, h, "layers");
    for (uint32_t j = 0; j < length(env, layers); j++) head.layers.push_back(layer(env, at(env, layers, j)));
    e->heads.push_back(std::move(head));
  }
  napi_value couplings = prop(env, spec, "couplings");
  for (uint32_t i = 0; i < length(env, couplings); i++) e->couplings.push_back(coupling(env, at(env, couplings, i), *e));
  collectParams(*e);
  napi_value decayed = prop(env, spec, "decayed");
  if (length(env, decayed) != e->params.size()) throw JsError("distmatch native: decayed has " + std::to_string(length(env, decayed)) + " flags, expected one per variable (" + std::to_string(e->params.size()) + ")");
  for (uint32_t i = 0; i < e->params.size(); i++) {
    bool flag;
    check(env, napi_get_value_bool(env, at(env, decayed, i), &flag), "decayed");
    e->decayed.push_back(flag);
  }
  napi_value handle;
  check(env, napi_create_external(env, e.get(), finalize, nullptr, &handle), "external");
  e.release();
  return handle;
}

// setState(handle, { weights: Float32Array[], m?: Float32Array[], v?: Float32Array[], accBeta1, accBeta2 })
napi_value setState(napi_env env, napi_callback_info info) {
  const auto args = callArgs<2>(env, info);
  Engine& e = *unwrap(env, args[0]);
  auto load = [&](const char* name, std::vector<torch::Tensor>& into) {
    bool has;
    check(env, napi_has_named_property(env, args[1], name, &has), name);
    if (!has) return;
    napi_value list = prop(env, args[1], name);
    if (length(env, list) != into.size()) throw JsError(std::string("distmatch native: ") + name + " has " + std::to_string(length(env, list)) + " arrays, expected " + std::to_string(into.size()));
    torch::NoGradGuard guard;
    for (uint32_t i = 0; i < into.size(); i++) {
      float* data = floats(env, at(env, list, i), static_cast<size_t>(into[i].numel()), name);
      std::memcpy(into[i].data_ptr<float>(), data, into[i].numel() * sizeof(float));
    }
  };
  load("weights", e.params);
  load("buffers", e.buffers);
  load("m", e.m);
  load("v", e.v);
  e.accBeta1 = static_cast<float>(numProp(env, args[1], "accBeta1"));
  e.accBeta2 = static_cast<float>(numProp(env, args[1], "accBeta2"));
  return nullptr;
}

napi_value list(napi_env env, const std::vector<torch::Tensor>& tensors) {
  napi_value arr;
  check(env, napi_create_array_with_length(env, tensors.size(), &arr), "array");
  for (uint32_t i = 0; i < tensors.size(); i++) {
    torch::Tensor t = tensors[i].detach().contiguous();
    check(env, napi_set_element(env, arr, i, float32Array(env, t.data_ptr<float>(), t.numel())), "element");
  }
  return arr;
}

// getState(handle) -> { weights, m, v, accBeta1, accBeta2 }
napi_value getState(napi_env env, napi_callback_info info) {
  napi_value handle = callArgs<1>(env, info)[0];
  Engine& e = *unwrap(env, handle);
  napi_value out, a1, a2;
  check(env, napi_create_object(env, &out), "object");
  check(env, napi_set_named_property(env, out, "weights", list(env, e.params)), "weights");
  check(env, napi_set_named_property(env, out, "buffers", list(env, e.buffers)), "buffers");
  check(env, napi_set_named_property(env, out, "m", list(env, e.m)), "m");
  check(env, napi_set_named_property(env, out, "v", list(env, e.v)), "v");
  check(env, napi_create_double(env, e.accBeta1, &a1), "accBeta1");
  check(env, napi_create_double(env, e.accBeta2, &a2), "accBeta2");
  check(env, napi_set_named_property(env, out, "accBeta1", a1), "accBeta1");
  check(env, napi_set_named_property(env, out, "accBeta2", a2), "accBeta2");
  return out;
}

// setLearningRate(handle, lr): Adam's step size (and the weight decay's) from the next step on, for a schedule.
napi_value setLearningRate(napi_env env, napi_callback_info info) {
  const auto args = callArgs<2>(env, info);
  Engine& e = *unwrap(env, args[0]);
  const double lr = num(env, args[1], "learning rate");
  if (!(lr >= 0)) throw JsError("distmatch native: learning rate must be >= 0");
  e.lr = static_cast<float>(lr);
  return nullptr;
}

// bindSources(handle, inputs: Float32Array[]): the training sources' input rows, read by step's picks.
napi_value bindSources(napi_env env, napi_callback_info info) {
  const auto args = callArgs<2>(env, info);
  Engine& e = *unwrap(env, args[0]);
  for (napi_ref ref : e.sourceRefs) napi_delete_reference(env, ref);
  e.sources.clear();
  e.sourceRows.clear();
  e.sourceRefs.clear();
  for (uint32_t i = 0; i < length(env, args[1]); i++) {
    napi_value array = at(env, args[1], i);
    size_t len;
    void* data = typedData(env, array, napi_float32_array, &len, "a source's inputs", "a Float32Array");
    if (len % e.inputDim != 0) throw JsError("distmatch native: source " + std::to_string(i) + " has " + std::to_string(len) + " inputs, not rows of " + std::to_string(e.inputDim));
    napi_ref ref;
    check(env, napi_create_reference(env, array, 1, &ref), "reference");
    e.sources.push_back(static_cast<const float*>(data));
    e.sourceRows.push_back(static_cast<int64_t>(len / e.inputDim));
    e.sourceRefs.push_back(ref);
  }
  return nullptr;
}

// The batch's inputs: given as a Float32Array [B * D], or as picks { source: Int32Array, row: Int32Array } of bound sources.
torch::Tensor batchInputs(napi_env env, Engine& e, napi_value v, int64_t b) {
  bool isTyped;
  check(env, napi_is_typedarray(env, v, &isTyped), "inputs");
  if (isTyped) return torch::from_blob(floats(env, v, static_cast<size_t>(b * e.inputDim), "inputs"), {b, e.inputDim}, torch::kFloat32);
  const int32_t* source = ints(env, prop(env, v, "source"), static_cast<size_t>(b), "picks.source");
  const int32_t* row = ints(env, prop(env, v, "row"), static_cast<size_t>(b), "picks.row");
  torch::Tensor x = torch::empty({b, e.inputDim}, torch::kFloat32);
  float* out = x.data_ptr<float>();
  const size_t width = static_cast<size_t>(e.inputDim);
  for (int64_t i = 0; i < b; i++) {
    if (source[i] < 0 || source[i] >= static_cast<int32_t>(e.sources.size()) || row[i] < 0 || row[i] >= e.sourceRows[source[i]]) {
      throw JsError("distmatch native: pick " + std::to_string(i) + " (source " + std::to_string(source[i]) + ", row " + std::to_string(row[i]) + ") is out of range");
    }
    std::memcpy(out + i * width, e.sources[source[i]] + static_cast<size_t>(row[i]) * width, width * sizeof(float));
  }
  return x;
}

// step(handle, batchSize, inputs (Float32Array [B * D] or picks), targets: { a: Float32Array, mask: Float32Array }[], seed)
// -> Float64Array of the terms (objective order) and the total.
napi_value step(napi_env env, napi_callback_info info) {
  const auto args = callArgs<5>(env, info);
  Engine& e = *unwrap(env, args[0]);
  const int64_t b = static_cast<int64_t>(num(env, args[1], "batchSize"));
  torch::Tensor x = batchInputs(env, e, args[2], b);
  std::vector<Targets> targets;
  for (uint32_t t = 0; t < e.heads.size(); t++) {
    napi_value spec = at(env, args[3], t);
    const Head& head = e.heads[t];
    const int64_t k = head.size;
    Targets tg;
    tg.a = torch::from_blob(floats(env, prop(env, spec, "a"), static_cast<size_t>(b * k), "targets"), {b, k}, torch::kFloat32);
    tg.mask = head.multiclass
      ? torch::from_blob(floats(env, prop(env, spec, "mask"), static_cast<size_t>(b), "mask"), {b}, torch::kFloat32)
      : torch::from_blob(floats(env, prop(env, spec, "mask"), static_cast<size_t>(b * k), "mask"), {b, k}, torch::kFloat32);
    targets.push_back(tg);
  }
  const uint64_t seed = static_cast<uint64_t>(num(env, args[4], "seed"));
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<torch::Tensor> logits = forward(e, x, true, &gen);
  std::vector<torch::Tensor> terms = objective(e, logits, targets);
  std::vector<torch::Tensor> grads = torch::autograd::grad({terms.back()}, e.params, {}, false, false, true);
  {
    torch::NoGradGuard guard;
    adam(e, grads);
  }
  void* out;
  napi_value buffer, array;
  check(env, napi_create_arraybuffer(env, terms.size() * sizeof(double), &out, &buffer), "arraybuffer");
  for (size_t i = 0; i < terms.size(); i++) static_cast<double*>(out)[i] = terms[i].item<double>();
  check(env, napi_create_typedarray(env, napi_float64_array, terms.size(), buffer, 0, &array), "typedarray");
  return array;
}

// logits(handle, n, inputs as for step) -> Float32Array[] per task (inference: no dropout, no gradient).
napi_value logits(napi_env env, napi_callback_info info) {
  const auto args = callArgs<3>(env, info);
  Engine& e = *unwrap(env, args[0]);
  const int64_t n = static_cast<int64_t>(num(env, args[1], "n"));
  torch::Tensor x = batchInputs(env, e, args[2], n);
  torch::NoGradGuard guard;
  return list(env, forward(e, x, false, nullptr));
}

template <napi_value (*F)(napi_env, napi_callback_info)>
napi_value guarded(napi_env env, napi_callback_info info) {
  try {
    return F(env, info);
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, error.what());
    return nullptr;
  }
}

napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"create", nullptr, guarded<create>, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"setState", nullptr, guarded<setState>, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"getState", nullptr, guarded<getState>, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"step", nullptr, guarded<step>, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"logits", nullptr, guarded<logits>, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"setLearningRate", nullptr, guarded<setLearningRate>, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"bindSources", nullptr, guarded<bindSources>, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"info", nullptr, guarded<info>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
