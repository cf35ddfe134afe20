/**
 * bench/cold: one image, one fresh process, the way a developer or a CI step runs it before a pull.
 * Paired, alternating runs (after a warm-up) of trustgate and its peer on the same image and the
 * same trust material: cosign 2.5 for verify / verify-attestation, skopeo for resolve. For each
 * command it prints the median wall time of each tool, the median of the pairwise ratios
 * (trustgate / peer) and the median peak RSS (GNU time's %M).
 *
 * trustgate is run as a user runs it: `npm pack`, installed into a temporary prefix, its bin under
 * the project's Node ("installed"). The checkout's bin/trustgate.js is a second column ("checkout").
 * Images: signed with a key and logged in a throwaway log (cosign is given that log's key through
 * SIGSTORE_REKOR_PUBLIC_KEY and friends; trustgate through --trusted-root), in the loopback registry and in a
 * `cosign save` layout; a keyless .sig from the same throwaway world (both tools get --trusted-root).
 * Not a test: npm run bench:cold. BENCH_PAIRS (default 15), BENCH_ONLY=<substring of a row name>.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../src/oci/registry/client.js';
import { pushAttached } from '../test/support/attach.js';
import { statementEmbedding } from '../test/support/attest-builder.js';
import { simpleSigningPayload } from '../test/support/cosign-sig.js';
import { buildImage } from '../test/support/image-builder.js';
import { keylessWorld } from '../test/support/keyless.js';
import { cosignEnv, peer, SKOPEO_POLICY } from '../test/support/peers.js';
import { predicateSamples } from '../test/support/predicates.js';
import { pushImage, pushSig } from '../test/support/push.js';
import { startRegistry } from '../test/support/registry.js';
import { repoRoot } from '../test/support/repo-root.js';
import { generateKey, simpleSigningAnnotations } from '../test/support/signing.js';
import { median } from './stats.js';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 15);
const WARM = 2;
const root = repoRoot();

interface Run {
  ms: number;
  rssKb: number;
  status: number;
  stderr: string;
}

/** Wall time (spawn to exit) and peak RSS of one command, through GNU time. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const lines = r.stderr.trim().split('\n');
  return { ms, rssKb: Number(lines.pop()), status: r.status ?? -1, stderr: lines.join('\n') };
}

interface Side {
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

interface Row {
  name: string;
  /** The target ratio of the issue (trustgate / peer). */
  target: number;
  peerName: string;
  trustgate: string[];
  peer: Side;
  /** Exit status both must end with (0: verified). */
  status?: number;
}

/** npm pack + install into a temporary prefix; the installed bin/trustgate.js. */
function installPacked(work: string): string | undefined {
  const pack = join(work, 'pack');
  mkdirSync(pack);
  try {
    execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', pack], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tgz = readdirSync(pack).find((f) => f.endsWith('.tgz'))!;
    const prefix = join(work, 'prefix');
    mkdirSync(prefix);
    const pkg = join(prefix, 'node_modules', 'trustgate');
    try {
      // Offline: the dependencies come from npm's cache, as on a machine that installed them once.
      execFileSync(
        'npm',
        [
          'install',
          '--prefix',
          prefix,
          '--offline',
          '--omit=dev',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
        ].concat(join(pack, tgz)),
        { stdio: 'ignore' },
      );
    } catch {
      // No npm cache (no network here): unpack the tarball as npm would and give it the checkout's
      // dependencies. The CLI bundle is self-contained, so this changes nothing it loads at start.
      mkdirSync(pkg, { recursive: true });
      execFileSync('tar', ['xzf', join(pack, tgz), '-C', pkg, '--strip-components=1']);
      symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
    }
    return join(pkg, 'bin', 'trustgate.js');
  } catch (e) {
    console.error(`bench/cold: could not install the packed package (${e}); the installed column is n/a`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const cosign = peer('cosign');
  const skopeo = peer('skopeo');
  if (!cosign) throw new Error('cosign is missing: run npm run peer-tools');
  const work = mkdtempSync(join(tmpdir(), 'tg-bench-cold-'));
  const env = { ...cosignEnv(work, 'bench'), CI: '1' };

  const world = await keylessWorld();
  const rootFile = join(work, 'trusted_root.json');
  writeFileSync(rootFile, world.trustedRootJson);
  const trust = JSON.parse(world.trustedRootJson) as Record<
    'ctlogs' | 'tlogs',
    Array<{ publicKey: { rawBytes: string } }>
  >;
  const pemKey = (der: string) =>
    `-----BEGIN PUBLIC KEY-----\n${der.replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`;
  writeFileSync(join(work, 'rekor.pub'), pemKey(trust.tlogs[0]!.publicKey.rawBytes));
  writeFileSync(join(work, 'ctlog.pub'), pemKey(trust.ctlogs[0]!.publicKey.rawBytes));
  writeFileSync(join(work, 'fulcio.pem'), world.rootPem);
  const cosignKeyEnv = { ...env, SIGSTORE_REKOR_PUBLIC_KEY: join(work, 'rekor.pub') };
  // cosign 2.5's legacy keyless path reads the CT log key and Fulcio roots from here (or TUF, online),
  // even when it is given --trusted-root.
  const cosignKeylessEnv = {
    ...cosignKeyEnv,
    SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: join(work, 'ctlog.pub'),
    SIGSTORE_ROOT_FILE: join(work, 'fulcio.pem'),
  };

  // P-256: cosign 2.5 verifies ed25519 keys only with SHA-512 signatures.
  const key = generateKey('p256');
  const keyFile = join(work, 'key.pub');
  writeFileSync(keyFile, key.pem);

  const reg = await startRegistry();
  const client = new RegistryClient({ useDockerConfig: false });
  // A key-signed image: a legacy .sig and a legacy .att with a CycloneDX SBOM, logged.
  const img = buildImage({ seed: 'bench-cold' });
  const digest = img.manifest.digest;
  const cdx = predicateSamples(digest).find((s) => s.type === 'cyclonedx')!;
  await pushAttached(
    client,
    reg.host,
    'cold/app',
    img,
    world,
    { privateKey: key.privateKey, pem: key.pem },
    {
      sig: true,
      atts: [
        {
          predicateType: cdx.predicateType,
          statement: statementEmbedding(digest, cdx.predicateType, cdx.predicate),
        },
      ],
    },
  );
  const ref = `${reg.host}/cold/app@${digest}`;
  const tagRef = `${reg.host}/cold/app:v1`;
  // A keyless .sig, as cosign 2.5 signs keyless (row 5 of the parity suite).
  const kimg = buildImage({ seed: 'bench-cold-keyless' });
  await pushImage(client, reg.host, 'cold/keyless', kimg, 'v1');
  const san = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.3';
  const issuer = 'https://token.actions.githubusercontent.com';
  const payload = simpleSigningPayload(kimg.manifest.digest, `${reg.host}/cold/keyless`);
  const signed = await world.signLegacy(payload, { san, issuer });
  await pushSig(client, reg.host, 'cold/keyless', kimg.manifest.digest, [
    {
      payload,
      annotations: {
        ...simpleSigningAnnotations(signed.signature, signed.rekorBundle),
        'dev.sigstore.cosign/certificate': signed.certificate,
        'dev.sigstore.cosign/chain': signed.chain,
      },
    },
  ]);
  const keylessRef = `${reg.host}/cold/keyless@${kimg.manifest.digest}`;
  await client.close();

  const layout = join(work, 'layout');
  execFileSync(cosign, ['save', '--allow-http-registry', '--dir', layout, ref], { env, stdio: 'ignore' });

  const policyFile = join(work, 'policy.yaml');
  writeFileSync(
    policyFile,
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: bench-cold }
noMatch: deny
trustRoots:
  bench: { trustedRoot: ${JSON.stringify(rootFile)} }
authorities:
  platform:
    keys: [{ file: ${JSON.stringify(keyFile)} }]
    trustRoot: bench
rules:
  - name: app
    images: ["${reg.host}/**"]
    signatures: { anyOf: [platform] }
    attestations:
      - name: sbom
        type: cyclonedx
        signedBy: [platform]
`,
  );

  const http = ['--allow-http-registry'];
  const kl = ['--certificate-identity', san, '--certificate-oidc-issuer', issuer];
  const rows: Row[] = [
    {
      name: 'verify --key (registry)',
      target: 1.5,
      peerName: 'cosign',
      trustgate: ['verify', '--key', keyFile, '--trusted-root', rootFile, ref],
      peer: { cmd: cosign, args: ['verify', '--key', keyFile, ...http, ref], env: cosignKeyEnv },
    },
    {
      name: 'verify --key (layout)',
      target: 1.5,
      peerName: 'cosign',
      trustgate: ['verify', '--key', keyFile, '--trusted-root', rootFile, '--local-image', layout],
      peer: { cmd: cosign, args: ['verify', '--key', keyFile, '--local-image', layout], env: cosignKeyEnv },
    },
    {
      name: 'verify keyless (registry)',
      target: 2,
      peerName: 'cosign',
      trustgate: ['verify', ...kl, '--trusted-root', rootFile, keylessRef],
      peer: {
        cmd: cosign,
        args: ['verify', '--new-bundle-format', ...kl, '--trusted-root', rootFile, ...http, keylessRef],
        env: cosignKeylessEnv,
      },
    },
    {
      name: 'verify-attestation --type (registry)',
      target: 2,
      peerName: 'cosign',
      trustgate: [
        'verify-attestation',
        '--type',
        'cyclonedx',
        '--key',
        keyFile,
        '--trusted-root',
        rootFile,
        ref,
      ],
      peer: {
        cmd: cosign,
        args: ['verify-attestation', '--type', 'cyclonedx', '--key', keyFile, ...http, ref],
        env: cosignKeyEnv,
      },
    },
    {
      name: 'verify --policy (registry)',
      target: 2,
      peerName: 'cosign',
      trustgate: ['verify', '--policy', policyFile, ref],
      peer: {
        cmd: cosign,
        args: ['verify-attestation', '--type', 'cyclonedx', '--key', keyFile, ...http, ref],
        env: cosignKeyEnv,
      },
    },
  ];
  if (skopeo)
    rows.push({
      name: 'resolve (tag, registry)',
      target: 1.5,
      peerName: 'skopeo',
      trustgate: ['resolve', tagRef],
      peer: {
        cmd: skopeo,
        args: ['--policy', SKOPEO_POLICY, 'inspect', '--tls-verify=false', `docker://${tagRef}`],
        env,
      },
    });

  const installed = process.env.BENCH_NO_INSTALL ? undefined : installPacked(work);
  const checkout = join(root, 'bin', 'trustgate.js');
  const node = process.execPath;
  const floor = (): Side => ({ cmd: node, args: ['-e', '0'], env });

  const only = process.env.BENCH_ONLY;
  const results: Record<string, unknown>[] = [];
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
  console.log(
    `bench/cold: ${PAIRS} alternating pairs after ${WARM} warm-up runs each; Node ${process.versions.node}; wall ms (median), ratio = median of pairwise trustgate/peer, peak RSS MiB (median)`,
  );
  console.log(
    ['command', 'target', 'installed', 'checkout', 'peer', 'ratio', 'ratio(ck)', 'RSS tg', 'RSS peer'].join(
      '\t',
    ),
  );
  for (const row of rows) {
    if (only && !row.name.includes(only)) continue;
    const sides: Array<{ label: string; side: Side }> = [];
    if (installed)
      sides.push({ label: 'installed', side: { cmd: node, args: [installed, ...row.trustgate], env } });
    sides.push({ label: 'checkout', side: { cmd: node, args: [checkout, ...row.trustgate], env } });
    sides.push({ label: row.peerName, side: row.peer });
    for (const { label, side } of sides) {
      const r = measure(side.cmd, side.args, side.env);
      if (r.status !== (row.status ?? 0))
        throw new Error(`${row.name}: ${label} exited ${r.status}: ${side.args.join(' ')}\n${r.stderr}`);
      for (let i = 1; i < WARM; i++) measure(side.cmd, side.args, side.env);
    }
    const runs: Run[][] = sides.map(() => []);
    for (let p = 0; p < PAIRS; p++) {
      // A B (C), then the next round starts one further along, so no side always runs first.
      for (let k = 0; k < sides.length; k++) {
        const i = (p + k) % sides.length;
        runs[i]!.push(measure(sides[i]!.side.cmd, sides[i]!.side.args, sides[i]!.side.env));
      }
    }
    const peerRuns = runs[sides.length - 1]!;
    const ms = (rs: Run[]) => median(rs.map((r) => r.ms));
    const rss = (rs: Run[]) => median(rs.map((r) => r.rssKb)) / 1024;
    const ratio = (rs: Run[]) => median(rs.map((r, i) => r.ms / peerRuns[i]!.ms));
    const inst = installed ? runs[0]! : undefined;
    const ck = runs[installed ? 1 : 0]!;
    const main = inst ?? ck;
    const out = {
      name: row.name,
      target: row.target,
      installedMs: inst ? ms(inst) : null,
      checkoutMs: ms(ck),
      peer: row.peerName,
      peerMs: ms(peerRuns),
      ratio: ratio(main),
      checkoutRatio: ratio(ck),
      trustgateRssMiB: rss(main),
      peerRssMiB: rss(peerRuns),
    };
    results.push(out);
    console.log(
      [
        row.name,
        `<=${row.target}x`,
        inst ? f(ms(inst)) : 'n/a',
        f(out.checkoutMs),
        `${f(out.peerMs)} (${row.peerName})`,
        `${out.ratio.toFixed(2)}x`,
        `${out.checkoutRatio.toFixed(2)}x`,
        f(out.trustgateRssMiB),
        f(out.peerRssMiB),
      ].join('\t'),
    );
  }
  // The floor: Node's own start, and trustgate's start with no image work.
  const fl: Run[] = [];
  const ver: Run[] = [];
  const verArgs = [installed ?? checkout, '--version'];
  for (let p = 0; p < PAIRS; p++) {
    fl.push(measure(floor().cmd, floor().args, env));
    ver.push(measure(node, verArgs, env));
  }
  const floorOut = {
    nodeMs: median(fl.map((r) => r.ms)),
    nodeRssMiB: median(fl.map((r) => r.rssKb)) / 1024,
    versionMs: median(ver.map((r) => r.ms)),
    versionRssMiB: median(ver.map((r) => r.rssKb)) / 1024,
  };
  console.log(
    `floor: node -e 0 ${f(floorOut.nodeMs)} ms, ${f(floorOut.nodeRssMiB)} MiB; trustgate --version ${f(floorOut.versionMs)} ms, ${f(floorOut.versionRssMiB)} MiB`,
  );
  await reg.stop();
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'cold.json'),
    `${JSON.stringify({ node: process.versions.node, pairs: PAIRS, rows: results, floor: floorOut }, null, 2)}\n`,
  );
}

await main();
