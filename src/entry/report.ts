/** distmatch/report: the study report, an HTML page with vega-lite charts, built from results.json alone. */
export { buildReportHtml, writeReport, readResults } from "../report/index.js";
