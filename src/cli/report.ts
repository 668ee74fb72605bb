import { writeReport } from "../report/index.js";

export async function reportCommand(runDir: string): Promise<void> {
  const file = await writeReport(runDir);
  process.stdout.write(`report: ${file}\n`);
}
