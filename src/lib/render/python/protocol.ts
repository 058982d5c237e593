// Messages between python-client.ts and workers/python.worker.ts (plain data, structured-clonable).
import type { CappedText } from './output';

export interface PythonInit {
  indexURL: string;
  lockFileURL?: string;
  packageBaseUrl?: string;
  packages: string[];
  setup?: string;
  /** SharedArrayBuffer of one Int32: the client writes 2 (SIGINT) to interrupt the running program. */
  interruptBuffer: SharedArrayBuffer;
  memoryCapBytes: number;
  /** Bytes of file contents a program may write to the in-memory file system (fs-guard.ts). */
  fileSystemCapBytes: number;
}

export interface WorkerRunOptions {
  stdoutCap: number;
  stderrCap: number;
  epilogue: string;
  figureCap: number;
}

export interface WorkerRunReport {
  ms: number;
  stdout: CappedText;
  stderr: CappedText;
  /** stdout or stderr went past its cap, and the worker interrupted the program because of it. */
  outputOverflow: boolean;
  heapBytes: number;
  /** The interpreter's state is suspect (the driver itself failed): replace the worker. */
  fatal: boolean;
  /** The program left the interpreter unusable for the next one (e.g. closed stdout): replace it after this run. */
  recycle: boolean;
  error?: { kind: string; message: string; line?: number; traceback: string };
  figure?: { bytes: Uint8Array; width?: number; height?: number };
}
