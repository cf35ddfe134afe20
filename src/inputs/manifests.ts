/**
 * Image references out of deployment files: Kubernetes YAML (multi-document, every workload kind and
 * its init and ephemeral containers, CronJob and pod templates, Lists), rendered Helm output, and
 * docker-compose files. Each reference keeps its file, line and YAML path, for CI annotations and for
 * `pin`. An `image:` where no known schema puts one (an unknown CRD) is reported as skipped, never
 * guessed at. Bad YAML is an error naming the file and line. Over 300 lines because the walks are
 * iterative and bounded (aliases resolved once, a node budget, explicit stacks): each bound sits next
 * to the walk it bounds.
 */
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { TrustgateError } from '../errors.js';
import { MAX_INPUT_FILE_BYTES, readInputFile } from '../util/safe-fs.js';
import type { SkippedImage as BaseSkippedImage } from './location.js';

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

/** A skipped image field from a manifest always knows its YAML path. */
export type SkippedImage = BaseSkippedImage & { path: string };

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

/**
 * Bounds on what one manifest may cost. Aliases make a small file name a huge tree (a 1 KB "billion
 * laughs" of maps aliasing maps), so the walks below count every node they step on, aliases
 * expanded, and stop with COUNT_LIMIT rather than run for minutes or exhaust memory.
 */
export const MANIFEST_LIMITS = {
  /** YAML documents in one file (`---`): Helm output of a large chart has hundreds. */
  documentsPerFile: 10_000,
  /**
   * Node visits while scanning one document, each alias or merge key expanded where it is used:
   * this many, plus `nodesPerWrittenNode` for each node written in the document. A document without
   * aliases costs a few visits per node; the allowance bounds what aliases may multiply it to.
   */
  nodesPerDocument: 1_000_000,
  nodesPerWrittenNode: 16,
  /** Kubernetes Lists inside Lists: one level is usual; an alias to an enclosing List never ends. */
  listDepth: 64,
  /** Image fields found in one file (a reference named twice counts twice). */
  imagesPerFile: 250_000,
  /** Image fields found over all the files of a run. */
  imagesPerRun: 1_000_000,
} as const;

function countLimit(what: string, limit: number, hint: string): TrustgateError {
  return new TrustgateError('COUNT_LIMIT', `${what}; the limit is ${limit}`, { hint });
}

export function scanManifestFile(file: string, text?: string): ManifestScan {
  const source = text ?? readInputFile(file, MAX_INPUT_FILE_BYTES).toString('utf8');
  const lines = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter: lines, uniqueKeys: false });
  const out: ManifestScan = { images: [], skipped: [], errors: [] };
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > MANIFEST_LIMITS.documentsPerFile)
    throw countLimit(
      `${file}: ${list.length} YAML documents in one file`,
      MANIFEST_LIMITS.documentsPerFile,
      'split the file',
    );
  for (const [di, doc] of list.entries()) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const p = lines.linePos(e.pos[0]);
      const first = e.message.split('\n')[0] ?? e.message;
      // The yaml parser recurses per level of nesting and reports its own stack overflow as an error.
      const message = /call stack/i.test(first)
        ? `nested too deeply to read (the YAML parser's stack ran out at line ${p.line})`
        : first;
      out.errors.push({ file, line: p.line, column: p.col, message });
      continue;
    }
    scanDocument(doc, di, list.length > 1, file, lines, out);
  }
  return out;
}

/** The node budget of one document's scan: the walks below charge it for every node they visit. */
class Budget {
  private used = 0;
  private readonly limit: number;
  constructor(
    private readonly file: string,
    private readonly document: number,
    writtenNodes: number,
  ) {
    this.limit = MANIFEST_LIMITS.nodesPerDocument + MANIFEST_LIMITS.nodesPerWrittenNode * writtenNodes;
  }
  charge(n = 1): void {
    this.used += n;
    if (this.used > this.limit)
      throw countLimit(
        `${this.file}: document ${this.document + 1} expands to more than ${this.limit} YAML nodes through its aliases and merge keys`,
        this.limit,
        `the limit is ${MANIFEST_LIMITS.nodesPerDocument} plus ${MANIFEST_LIMITS.nodesPerWrittenNode} per node written in the document; remove the aliases that multiply it (an alias bomb?)`,
      );
  }
}

/**
 * A map's value for `key`, following aliases (`*ref`) and YAML merge keys (`<<: *base`), as
 * Kubernetes and compose do when they load the file: an image given that way is still found. Merge
 * sources are searched depth-first in order (the first that has the key wins), each map once, on an
 * explicit stack: merges may chain or repeat without limit in the file.
 */
function lookup(aliases: Aliases, node: unknown, key: string, budget: Budget): Node | undefined {
  const first = deref(aliases, node, budget);
  if (!isMap(first)) return undefined;
  // Most maps have no merge key: answered without the search below.
  budget.charge(first.items.length);
  let merged = false;
  for (const p of first.items) {
    if (!isScalar(p.key)) continue;
    if (p.key.value === key) return deref(aliases, p.value, budget) as Node | undefined;
    if (p.key.value === '<<') merged = true;
  }
  if (!merged) return undefined;
  const stack: unknown[] = mergeSources(aliases, first, budget);
  const seen = new Set<unknown>([first]);
  while (stack.length > 0) {
    const map = deref(aliases, stack.pop(), budget);
    if (!isMap(map) || seen.has(map)) continue;
    seen.add(map);
    budget.charge(map.items.length);
    const direct = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (direct) return deref(aliases, direct.value, budget) as Node | undefined;
    for (const m of mergeSources(aliases, map, budget)) stack.push(m);
  }
  return undefined;
}

/** The maps merged into `map` (`<<: *a` or `<<: [*a, *b]`), last first: popped from a stack in order. */
function mergeSources(aliases: Aliases, map: YAMLMap, budget: Budget): unknown[] {
  const out: unknown[] = [];
  for (const p of map.items) {
    if (!isScalar(p.key) || p.key.value !== '<<') continue;
    const src = deref(aliases, p.value, budget);
    if (isSeq(src)) {
      budget.charge(src.items.length);
      for (const m of src.items) out.push(m);
    } else out.push(src);
  }
  return out.reverse();
}

function deref(aliases: Aliases, node: unknown, budget: Budget): unknown {
  let n = node;
  for (let i = 0; i < 20 && isAlias(n); i++) {
    budget.charge();
    n = aliases.get(n);
  }
  return n;
}

/** Each alias of a document → the node it names. */
type Aliases = Map<Alias, Node | undefined>;

/**
 * Every alias's target, in one pass over the document: the last node anchored with its name before
 * it, in document order (as YAML and the yaml package define it). The package's own Alias.resolve
 * searches the whole document on every call, which makes a file with many aliases quadratic.
 */
function resolveAliases(doc: Document): { aliases: Aliases; nodes: number } {
  const out: Aliases = new Map();
  let nodes = 0;
  const anchors = new Map<string, Node>();
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const n = stack.pop();
    nodes++;
    if (isAlias(n)) {
      out.set(n, anchors.get(n.source));
      continue;
    }
    if (isNode(n) && n.anchor) anchors.set(n.anchor, n);
    if (isMap(n))
      for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]!.value, n.items[i]!.key);
    else if (isSeq(n)) for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
  }
  return { aliases: out, nodes };
}

/**
 * One document's walk, over 80 lines on purpose: it is a single loop over an explicit stack (no
 * recursion over YAML from outside), and its budget checks sit where nodes are taken off the stack.
 */
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
  const { aliases, nodes } = resolveAliases(doc);
  const budget = new Budget(file, index, nodes);
  const prefix = multi ? `[${index}].` : '';
  const found = new Set<Node>();
  const add = (node: Node | undefined, path: string) => {
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return;
    found.add(node);
    if (out.images.length >= MANIFEST_LIMITS.imagesPerFile)
      throw countLimit(
        `${file}: more than ${MANIFEST_LIMITS.imagesPerFile} image fields in one file`,
        MANIFEST_LIMITS.imagesPerFile,
        'split the file',
      );
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
      const list = lookup(aliases, spec, listName, budget);
      if (!isSeq(list)) continue;
      budget.charge(list.items.length);
      list.items.forEach((c, i) => {
        add(lookup(aliases, c, 'image', budget), `${path}.${listName}[${i}].image`);
      });
    }
  };
  /**
   * Workloads, and the items of Lists (which may hold Lists), depth-first in file order. Each path
   * through an alias is its own object, as when Kubernetes loads the file; the budget bounds them.
   */
  const walkObjects = (top: unknown) => {
    const stack: Array<{ obj: unknown; path: string; depth: number }> = [{ obj: top, path: '', depth: 0 }];
    while (stack.length > 0) {
      const { obj, path, depth } = stack.pop()!;
      budget.charge();
      if (depth > MANIFEST_LIMITS.listDepth)
        throw countLimit(
          `${file}: document ${index + 1} has Lists nested more than ${MANIFEST_LIMITS.listDepth} deep, at ${prefix}${path}`,
          MANIFEST_LIMITS.listDepth,
          'an alias to a List that encloses it never ends; remove it',
        );
      const kind = lookup(aliases, obj, 'kind', budget);
      const k = isScalar(kind) ? String(kind.value) : undefined;
      if (k === 'List') {
        const items = lookup(aliases, obj, 'items', budget);
        if (isSeq(items))
          for (let i = items.items.length - 1; i >= 0; i--)
            stack.push({ obj: items.items[i], path: `${path}items[${i}].`, depth: depth + 1 });
        continue;
      }
      if (k && Object.hasOwn(POD_SPEC_PATHS, k)) {
        for (const sp of POD_SPEC_PATHS[k]!) {
          let n: unknown = obj;
          for (const seg of sp) n = lookup(aliases, n, seg, budget);
          if (n) podSpec(n, `${path}${sp.join('.')}`);
        }
      }
    }
  };
  // docker-compose: a top-level `services` map whose entries may carry `image`.
  const rootKind = lookup(aliases, root, 'kind', budget);
  const services = lookup(aliases, root, 'services', budget);
  if (isMap(services) && !rootKind) {
    for (const item of services.items) {
      const name = isScalar(item.key) ? String(item.key.value) : '?';
      add(lookup(aliases, item.value, 'image', budget), `services.${name}.image`);
    }
  } else {
    walkObjects(root);
  }
  // Any other `image:` string is reported, not guessed at (an unknown CRD's field may not be an image).
  // Each map and sequence is walked once, at the first path that reaches it: an alias to one already
  // walked (or to its own ancestor) adds nothing new.
  const where = isScalar(rootKind) ? `kind ${String(rootKind.value)}` : 'an unknown document';
  const walked = new Set<unknown>([root]);
  const stack: Array<{ node: unknown; path: string }> = [{ node: root, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    const next: Array<{ node: unknown; path: string }> = [];
    if (isMap(node)) {
      for (const item of node.items) {
        const key = isScalar(item.key) ? String(item.key.value) : '?';
        const v = deref(aliases, item.value, budget) as Node | undefined;
        if (key === 'image' && isScalar(v) && typeof v.value === 'string' && !found.has(v)) {
          const p = lines.linePos((v as Scalar).range?.[0] ?? 0);
          out.skipped.push({
            file,
            line: p.line,
            path: `${prefix}${path}${key}`,
            reason: `an image field in ${where}, which no known schema defines; not verified`,
          });
        } else next.push({ node: v, path: `${path}${key}.` });
      }
    } else if (isSeq(node)) {
      for (const [i, it] of node.items.entries())
        next.push({ node: it, path: `${path.replace(/\.$/, '')}[${i}].` });
    }
    for (let i = next.length - 1; i >= 0; i--) {
      const n = next[i]!;
      if (!isMap(n.node) && !isSeq(n.node)) continue;
      if (walked.has(n.node)) continue;
      walked.add(n.node);
      stack.push(n);
    }
  }
}

export function scanManifests(files: string[]): ManifestScan {
  const all: ManifestScan = { images: [], skipped: [], errors: [] };
  for (const f of files) {
    let text: string;
    try {
      text = readInputFile(f, MAX_INPUT_FILE_BYTES).toString('utf8');
    } catch (e) {
      const why = e instanceof TrustgateError && e.code === 'SIZE_LIMIT' ? e.message : 'cannot read the file';
      all.errors.push({ file: f, line: 0, column: 0, message: why });
      continue;
    }
    const r = scanManifestFile(f, text);
    if (all.images.length + r.images.length > MANIFEST_LIMITS.imagesPerRun)
      throw countLimit(
        `more than ${MANIFEST_LIMITS.imagesPerRun} image fields in the manifests of one run`,
        MANIFEST_LIMITS.imagesPerRun,
        'scan fewer files per run',
      );
    // Appended one by one: a spread passes every element as an argument, and a large file has more
    // image fields than a call can take.
    for (const i of r.images) all.images.push(i);
    for (const k of r.skipped) all.skipped.push(k);
    for (const e of r.errors) all.errors.push(e);
  }
  return all;
}
