// A reproducible image layer: a ustar archive written from a list of entries, gzipped with a
// fixed header. Same entries in, same bytes out, whatever the machine, clock or umask: entries
// are sorted, every header carries the same mtime and owner, and the gzip header has no name,
// no mtime and a fixed OS byte. It never reads the filesystem; callers pass the contents.
//
// The files are owned by root and not writable by the runtime user (uid 1000): the function
// cannot change its own code, and the rendered Service runs with a read-only root filesystem.
import { constants, gzipSync } from 'node:zlib';

export interface LayerEntry {
  /** Path inside the image without a leading slash, e.g. `app/get-forecast.mjs`; folders end with `/`. */
  path: string;
  /** File contents; absent for a folder. */
  contents?: Uint8Array;
  /** @default 0o644 for files, 0o755 for folders */
  mode?: number;
}

export interface TarOptions {
  /** Seconds since the epoch written as every entry's mtime. @default 0 */
  mtime?: number;
}

const block = 512;

/** The uncompressed archive. Parent folders are added for every file, so the layer is self-contained. */
export function writeTar(entries: readonly LayerEntry[], options: TarOptions = {}): Buffer {
  const mtime = options.mtime ?? 0;
  const chunks: Buffer[] = [];
  for (const entry of withParents(entries)) {
    const folder = entry.path.endsWith('/');
    const contents = folder ? new Uint8Array(0) : (entry.contents ?? new Uint8Array(0));
    chunks.push(header(entry.path, { size: contents.length, mode: entry.mode ?? (folder ? 0o755 : 0o644), mtime, folder }));
    if (contents.length > 0) {
      chunks.push(Buffer.from(contents.buffer, contents.byteOffset, contents.byteLength));
      const pad = (block - (contents.length % block)) % block;
      if (pad) chunks.push(Buffer.alloc(pad));
    }
  }
  chunks.push(Buffer.alloc(block * 2)); // end of archive: two zero blocks
  return Buffer.concat(chunks);
}

/**
 * gzip with a header that does not depend on the machine: mtime 0 (zlib's default), no file
 * name, OS byte 255 ("unknown", as Go's gzip writes). The deflate stream itself depends on the
 * zlib build, so a different Node.js release may compress the same tar differently; the layer's
 * diff id (the digest of the tar) does not change.
 */
export function gzipLayer(tar: Uint8Array): Buffer {
  const gz = gzipSync(tar, { level: constants.Z_BEST_COMPRESSION });
  gz.writeUInt32LE(0, 4);
  gz[9] = 0xff;
  return gz;
}

/** Sorted entries with every missing parent folder, each path once. */
function withParents(entries: readonly LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const entry of entries) {
    if (entry.path.startsWith('/') || entry.path.split('/').some((part) => part === '..' || part === '.')) {
      throw new Error(`layer path ${JSON.stringify(entry.path)} must be relative and normalized (e.g. app/index.mjs)`);
    }
    if (byPath.has(entry.path)) throw new Error(`layer path ${entry.path} is listed twice`);
    byPath.set(entry.path, entry);
    const parts = entry.path.replace(/\/$/, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = `${parts.slice(0, i).join('/')}/`;
      if (!byPath.has(parent)) byPath.set(parent, { path: parent });
    }
  }
  // Byte order, not locale order: the same on every machine.
  return [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

interface HeaderFields {
  size: number;
  mode: number;
  mtime: number;
  folder: boolean;
}

function header(path: string, fields: HeaderFields): Buffer {
  const h = Buffer.alloc(block);
  const [prefix, name] = splitName(path);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, fields.mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, fields.size);
  octal(h, 136, 12, fields.mtime);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  h.write(fields.folder ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\u0000', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

/** ustar keeps 100 bytes of name and 155 of prefix; longer paths are refused, not truncated. */
function splitName(path: string): [prefix: string, name: string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  const cut = path.lastIndexOf('/', path.length - 2);
  const prefix = path.slice(0, Math.max(cut, 0));
  const name = path.slice(cut + 1);
  if (cut <= 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(name) > 100) {
    throw new Error(`layer path ${path} is too long for a ustar header (name ≤ 100 bytes, folder ≤ 155)`);
  }
  return [prefix, name];
}

function octal(h: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`${value} does not fit a ${length}-byte tar header field`);
  h.write(`${digits.padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}
