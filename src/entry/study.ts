/**
 * distmatch/study: runs a whole study from a config (Node): reads data files, built-in data sets and
 * image features, and writes runs/, results.json and the models. The pieces that run anywhere
 * (config, variants, analysis, results) are in the core, "distmatch".
 */
export { runStudy, tuneStudy, type StudyEvent, type StudyOptions, type StudyOutcome, type TuningOutcome, type RunKey } from "../study/run.js";
