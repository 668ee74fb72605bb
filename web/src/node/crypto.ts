/** The browser's stand-in for node:crypto: the two calls the core makes (sha256 hashes, random suffixes). */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { Buffer } from "buffer";

type Input = string | Uint8Array;

export function createHash(algorithm: string): { update(data: Input): ReturnType<typeof createHash>; digest(encoding: "hex"): string } {
  if (algorithm !== "sha256") throw new Error(`hash "${algorithm}" is not available in the browser build (sha256 only)`);
  const hash = sha256.create();
  const api = {
    update(data: Input) {
      hash.update(typeof data === "string" ? new TextEncoder().encode(data) : data);
      return api;
    },
    digest: (encoding: "hex") => {
      if (encoding !== "hex") throw new Error(`digest encoding "${encoding}" is not available in the browser build`);
      return bytesToHex(hash.digest());
    },
  };
  return api;
}

export function randomBytes(size: number): Buffer {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(size)));
}

export default { createHash, randomBytes };
