/** `trustgate attestations` (cosign tree): what is attached to an image, as a tree. */
import type { AttachmentList } from '../../run/attachments.js';
import { printable } from '../../util/printable.js';
import type { Io } from '../output.js';

export function renderAttachmentTree(list: AttachmentList, io: Io): void {
  const c = io.outChalk;
  const mark = (v: boolean | undefined) =>
    v === undefined ? c.dim('unverified') : v ? c.green('verified') : c.red('NOT verified');
  io.out(`${list.canonical}`);
  if (list.verifiedWith) io.out(`  (checked against ${list.verifiedWith})`);
  // Tree branches: the last child of each node closes with └──, and its subtree is not ruled.
  const branch = (last: boolean) => (last ? '└── ' : '├── ');
  const rule = (last: boolean) => (last ? '    ' : '│   ');
  io.out(`├── signatures: ${list.signatures.length}`);
  list.signatures.forEach((s, i) => {
    io.out(
      `│   ${branch(i === list.signatures.length - 1)}${s.format}  ${printable(s.via)}  ${mark(s.verified)}${s.signer ? `  ${printable(s.signer)}` : ''}${s.logTime ? `  ${s.logTime}` : ''}`,
    );
  });
  const byType = new Map<string, typeof list.attestations>();
  for (const a of list.attestations) byType.set(a.predicateType, [...(byType.get(a.predicateType) ?? []), a]);
  io.out(`├── attestations: ${list.attestations.length}`);
  [...byType].forEach(([t, items], ti) => {
    const lastType = ti === byType.size - 1;
    io.out(`│   ${branch(lastType)}${printable(t)} ×${items.length}`);
    items.forEach((a, i) => {
      io.out(
        `│   ${rule(lastType)}${branch(i === items.length - 1)}${printable(a.via)}  ${mark(a.verified)}${a.signer ? `  ${printable(a.signer)}` : ''}${a.logTime ? `  ${a.logTime}` : ''}${a.typeSource !== 'verified statement' ? `  [type from ${printable(a.typeSource)}]` : ''}`,
      );
    });
  });
  const bk = list.buildkit;
  io.out(`${branch(!bk)}unsigned attachments (never counted as verified): ${list.unsigned.length}`);
  list.unsigned.forEach((u, i) => {
    io.out(
      `${rule(!bk)}${branch(i === list.unsigned.length - 1)}${printable(u.artifactType)}  ${u.digest}  ${printable(u.via)}`,
    );
  });
  if (bk) renderBuildkit(bk, io);
}

/** BuildKit's in-index attestations under the child each describes, then what was attached to nothing. */
function renderBuildkit(bk: NonNullable<AttachmentList['buildkit']>, io: Io): void {
  const c = io.outChalk;
  const branch = (last: boolean) => (last ? '└── ' : '├── ');
  const rule = (last: boolean) => (last ? '    ' : '│   ');
  const byChild = new Map<string, typeof bk.attestations>();
  for (const a of bk.attestations) byChild.set(a.child, [...(byChild.get(a.child) ?? []), a]);
  io.out(
    `└── BuildKit attestations in the index (unsigned, never counted as verified): ${bk.attestations.length}`,
  );
  const groups = [...byChild];
  groups.forEach(([child, items], gi) => {
    const lastGroup = gi === groups.length - 1 && bk.ignored.length === 0;
    io.out(`    ${branch(lastGroup)}${printable(items[0]!.platform ?? 'unknown platform')}  ${child}`);
    items.forEach((a, i) => {
      io.out(
        `    ${rule(lastGroup)}${branch(i === items.length - 1)}${printable(a.predicateType)}  ${c.yellow('unsigned')}  ${a.manifest}${a.typeSource === 'annotation' ? '  [type from annotation]' : ''}`,
      );
    });
  });
  bk.ignored.forEach((x, i) => {
    io.out(
      `    ${branch(i === bk.ignored.length - 1)}${c.red('ignored')} ${x.manifest}${x.layer ? ` layer ${x.layer}` : ''}: ${printable(x.reason)}`,
    );
  });
}
