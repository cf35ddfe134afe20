/**
 * Image references out of deployment files: Kubernetes YAML (multi-document, every workload kind and
 * its init and ephemeral containers, CronJob and pod templates, Lists), rendered Helm output, and
 * docker-compose files. Each reference keeps its file, line and YAML path, for CI annotations and for
 * `pin`. An `image:` where no known schema puts one (an unknown CRD) is reported as skipped, never
 * guessed at. Bad YAML is an error naming the file and line.
 */
import { readFileSync } from 'node:fs';
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type Scalar,
} from 'yaml';

export interface FoundImage {
  reference: string;
  file: string;
  line: number;
  column: number;
  /** YAML path, e.g. spec.template.spec.containers[0].image (document index first when several). */
  path: string;
  /** Offsets of the scalar in the file, for rewriting it in place (pin). */
  range: [number, number];
  document: number;
}

export interface SkippedImage {
  file: string;
  line: number;
  path: string;
  reason: string;
}

export interface ManifestScan {
  images: FoundImage[];
  skipped: SkippedImage[];
  errors: Array<{ file: string; line: number; column: number; message: string }>;
}

/** Workload kinds → where their pod spec is. */
const POD_SPEC_PATHS: Record<string, string[][]> = {
  Pod: [['spec']],
  Deployment: [['spec', 'template', 'spec']],
  StatefulSet: [['spec', 'template', 'spec']],
  DaemonSet: [['spec', 'template', 'spec']],
  ReplicaSet: [['spec', 'template', 'spec']],
  ReplicationController: [['spec', 'template', 'spec']],
  Job: [['spec', 'template', 'spec']],
  CronJob: [['spec', 'jobTemplate', 'spec', 'template', 'spec']],
  PodTemplate: [['template', 'spec']],
};
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

export function scanManifestFile(file: string, text?: string): ManifestScan {
  const source = text ?? readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter: lines, uniqueKeys: false });
  const out: ManifestScan = { images: [], skipped: [], errors: [] };
  const list = Array.isArray(docs) ? docs : [docs];
  for (const [di, doc] of list.entries()) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const p = lines.linePos(e.pos[0]);
      out.errors.push({ file, line: p.line, column: p.col, message: e.message.split('\n')[0] ?? e.message });
      continue;
    }
    scanDocument(doc, di, list.length > 1, file, lines, out);
  }
  return out;
}

/**
 * A map's value for `key`, following aliases (`*ref`) and YAML merge keys (`<<: *base`), as
 * Kubernetes and compose do when they load the file: an image given that way is still found.
 */
function lookup(doc: Document, node: unknown, key: string, depth = 0): Node | undefined {
  const map = deref(doc, node);
  if (!isMap(map) || depth > 20) return undefined;
  const direct = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (direct) return deref(doc, direct.value) as Node | undefined;
  for (const p of map.items) {
    if (!isScalar(p.key) || p.key.value !== '<<') continue;
    const src = deref(doc, p.value);
    for (const m of isSeq(src) ? src.items : [src]) {
      const v = lookup(doc, m, key, depth + 1);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

function deref(doc: Document, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 20 && isAlias(n); i++) n = n.resolve(doc);
  return n;
}

function scanDocument(
  doc: Document,
  index: number,
  multi: boolean,
  file: string,
  lines: LineCounter,
  out: ManifestScan,
): void {
  const root = doc.contents;
  if (!isMap(root)) return;
  const prefix = multi ? `[${index}].` : '';
  const found = new Set<Node>();
  const add = (node: Node | undefined, path: string) => {
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return;
    found.add(node);
    const p = lines.linePos(node.range[0]);
    out.images.push({
      reference: node.value,
      file,
      line: p.line,
      column: p.col,
      path: `${prefix}${path}`,
      range: [node.range[0], node.range[1]],
      document: index,
    });
  };
  const podSpec = (spec: unknown, path: string) => {
    for (const listName of CONTAINER_LISTS) {
      const list = lookup(doc, spec, listName);
      if (!isSeq(list)) continue;
      list.items.forEach((c, i) => {
        add(lookup(doc, c, 'image'), `${path}.${listName}[${i}].image`);
      });
    }
  };
  const walkObject = (obj: unknown, path: string) => {
    const kind = lookup(doc, obj, 'kind');
    const k = isScalar(kind) ? String(kind.value) : undefined;
    if (k === 'List') {
      const items = lookup(doc, obj, 'items');
      if (isSeq(items)) for (const [i, it] of items.items.entries()) walkObject(it, `${path}items[${i}].`);
      return;
    }
    if (k && Object.hasOwn(POD_SPEC_PATHS, k)) {
      for (const sp of POD_SPEC_PATHS[k]!) {
        let n: unknown = obj;
        for (const seg of sp) n = lookup(doc, n, seg);
        if (n) podSpec(n, `${path}${sp.join('.')}`);
      }
    }
  };
  // docker-compose: a top-level `services` map whose entries may carry `image`.
  const services = lookup(doc, root, 'services');
  if (isMap(services) && !lookup(doc, root, 'kind')) {
    for (const item of services.items) {
      const name = isScalar(item.key) ? String(item.key.value) : '?';
      add(lookup(doc, item.value, 'image'), `services.${name}.image`);
    }
  } else {
    walkObject(root, '');
  }
  // Any other `image:` string is reported, not guessed at (an unknown CRD's field may not be an image).
  const visit = (node: unknown, path: string) => {
    if (isMap(node)) {
      for (const item of node.items) {
        const key = isScalar(item.key) ? String(item.key.value) : '?';
        const v = deref(doc, item.value) as Node | undefined;
        if (key === 'image' && isScalar(v) && typeof v.value === 'string' && !found.has(v)) {
          const p = lines.linePos((v as Scalar).range?.[0] ?? 0);
          const kind = lookup(doc, root, 'kind');
          out.skipped.push({
            file,
            line: p.line,
            path: `${prefix}${path}${key}`,
            reason: `an image field in ${isScalar(kind) ? `kind ${String(kind.value)}` : 'an unknown document'}, which no known schema defines; not verified`,
          });
        } else visit(v, `${path}${key}.`);
      }
    } else if (isSeq(node)) {
      for (const [i, it] of node.items.entries()) visit(it, `${path.replace(/\.$/, '')}[${i}].`);
    }
  };
  visit(root, '');
}

export function scanManifests(files: string[]): ManifestScan {
  const all: ManifestScan = { images: [], skipped: [], errors: [] };
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      all.errors.push({ file: f, line: 0, column: 0, message: 'cannot read the file' });
      continue;
    }
    const r = scanManifestFile(f, text);
    all.images.push(...r.images);
    all.skipped.push(...r.skipped);
    all.errors.push(...r.errors);
  }
  return all;
}

/** `--images-from`: one reference per line; `#` starts a comment; blank lines ignored. */
export function parseImageList(
  text: string,
  file: string,
): Array<{ reference: string; file: string; line: number }> {
  const out: Array<{ reference: string; file: string; line: number }> = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.replace(/#.*/, '').trim();
    if (t) out.push({ reference: t, file, line: i + 1 });
  });
  return out;
}
