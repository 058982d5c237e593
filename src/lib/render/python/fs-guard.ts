// Emscripten's in-memory file system (MEMFS) outlives a program, and keeps file contents in JS
// typed arrays, outside the wasm heap and its cap. Without this guard one program could plant a
// module where the next one imports from (sys.path[0] is the working directory), leave files for
// it to read, or fill gigabytes of the worker's memory through /tmp. The guard wraps MEMFS's
// operations, once the worker is locked:
// - files and folders a program creates are deleted after it, and the working directory reset;
// - changing anything that existed before (write, truncate, rename, delete) marks the worker to be
//   replaced after the program;
// - all file contents written share one budget: past it a write or truncate fails with ENOSPC
//   (Python: OSError "No space left on device") instead of exhausting the worker.

/** MEMFS node: a folder's `contents` maps names to nodes; a file's is its bytes. */
interface Node {
  name: string;
  parent: Node;
  mode: number;
  contents?: ArrayBufferView | Record<string, Node> | null;
}
type Op = (...args: never[]) => unknown;
interface OpsTable {
  dir: { node: Record<string, Op> };
  file: { node: Record<string, Op>; stream: Record<string, Op> };
  link: { node: Record<string, Op> };
}
export interface EmscriptenFs {
  FS: {
    ErrnoError: new (errno: number) => Error;
    getPath(node: Node): string;
    isDir(mode: number): boolean;
    unlink(path: string): void;
    rmdir(path: string): void;
    cwd(): string;
    chdir(path: string): void;
  };
  MEMFS: { ops_table: OpsTable | null };
}

export interface FsGuard {
  /** After a program: deletes what it created and resets the working directory; true when it changed what existed before. */
  reset(): boolean;
  /** Bytes of file contents written since the last reset. */
  readonly usedBytes: number;
}

const ENOSPC = 51; // Emscripten uses WASI's errno numbers

export function guardFileSystem({ FS, MEMFS }: EmscriptenFs, budgetBytes: number): FsGuard {
  const ops = MEMFS.ops_table;
  if (!ops) throw new Error('MEMFS has no operations table yet: guard the file system after Pyodide has started');
  const cwd = FS.cwd();
  let created = new Set<Node>();
  let charged = new WeakMap<Node, number>();
  let used = 0;
  let tampered = false;

  // A first write keeps a slice of the wasm heap (an Int8Array); later growth makes a Uint8Array.
  const capacity = (node: Node) => (ArrayBuffer.isView(node.contents) ? node.contents.byteLength : 0);
  const mine = (node: Node | undefined) => node === undefined || created.has(node);
  const child = (dir: Node, name: string) => (dir.contents as Record<string, Node> | undefined)?.[name];
  /** Refuses growing `node` to `size` bytes past the budget; returns the accounting to run afterwards. */
  const grow = (node: Node, size: number) => {
    if (used + Math.max(0, size - capacity(node)) > budgetBytes) throw new FS.ErrnoError(ENOSPC);
    return () => {
      const now = capacity(node);
      used += now - (charged.get(node) ?? 0);
      charged.set(node, now);
    };
  };
  const wrap = (table: Record<string, Op>, name: string, around: (original: Op, args: unknown[]) => unknown) => {
    const original = table[name];
    if (original) table[name] = ((...args: unknown[]) => around(original, args)) as Op;
  };
  const call = (original: Op, args: unknown[]) => (original as (...a: unknown[]) => unknown)(...args);

  for (const name of ['mknod', 'symlink'])
    wrap(ops.dir.node, name, (original, args) => {
      const node = call(original, args) as Node;
      created.add(node);
      return node;
    });
  for (const name of ['unlink', 'rmdir'])
    wrap(ops.dir.node, name, (original, args) => {
      const [dir, childName] = args as [Node, string];
      const node = child(dir, childName);
      if (!mine(node)) tampered = true;
      return call(original, args);
    });
  wrap(ops.dir.node, 'rename', (original, args) => {
    const [node, newDir, newName] = args as [Node, Node, string];
    if (!mine(node) || !mine(child(newDir, newName))) tampered = true;
    return call(original, args);
  });
  for (const table of [ops.dir.node, ops.file.node, ops.link.node])
    wrap(table, 'setattr', (original, args) => {
      const [node, attr] = args as [Node, { size?: number }];
      if (!mine(node)) tampered = true;
      const account = attr.size !== undefined ? grow(node, attr.size) : null;
      const result = call(original, args);
      account?.();
      return result;
    });
  wrap(ops.file.stream, 'write', (original, args) => {
    const [stream, , , length, position] = args as [{ node: Node }, unknown, number, number, number];
    if (!mine(stream.node)) tampered = true;
    const account = grow(stream.node, position + length);
    const result = call(original, args);
    account();
    return result;
  });

  return {
    reset() {
      try {
        FS.chdir(cwd); // first: the program may have moved into a folder about to be removed
      } catch {
        tampered = true;
      }
      const leftovers = [...created].filter((node) => child(node.parent, node.name) === node);
      // Deepest first, so that folders are empty when they are removed.
      const paths = leftovers.map((node) => ({ node, path: FS.getPath(node) })).sort((a, b) => b.path.length - a.path.length);
      for (const { node, path } of paths) {
        try {
          if (FS.isDir(node.mode)) FS.rmdir(path);
          else FS.unlink(path);
        } catch {
          tampered = true; // could not be put back: a fresh worker will be
        }
      }
      const result = tampered;
      created = new Set();
      charged = new WeakMap();
      used = 0;
      tampered = false;
      return result;
    },
    get usedBytes() {
      return used;
    },
  };
}
