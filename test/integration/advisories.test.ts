/**
 * Advisories that broke verifiers doing what trustgate does, each rebuilt as its attack shape against
 * trustgate (fixtures built here, offline: a real registry on 127.0.0.1, OCI layouts, a throwaway log
 * and CA) and shown to be rejected, or refused earlier where the design leaves the advisory no room.
 * SECURITY.md ("Advisories in peer verifiers") lists them with what each was.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CosignAnnotation } from '../../src/discovery/media-types.js';
import { ExitCode } from '../../src/exit-codes.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import type { Digest } from '../../src/reference/digest.js';
import { verifyImageAttestations } from '../../src/run/verify-attestations-image.js';
import { type VerifyOptions, verifyImages } from '../../src/run/verify-image.js';
import { FULCIO_V2_CLAIMS } from '../../src/trust/claims.js';
import { predicateTypeFor } from '../../src/verify/attestations.js';
import { type SigLayer, simpleSigningPayload } from '../support/cosign-sig.js';
import { buildImage } from '../support/image-builder.js';
import { type KeylessIdentity, type KeylessWorld, keylessWorld } from '../support/keyless.js';
import { type Signer, writePolicyImage } from '../support/policy-images.js';
import { pushBundleReferrer, pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import {
  COSIGN_SIGN_V1,
  dsseBundle,
  ed25519FromLabel,
  fakeLog,
  generateKey,
  rekorBundleFor,
  signBytes,
  simpleSigningAnnotations,
  statementFor,
  type TestKey,
  trustedRootFor,
} from '../support/signing.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const RELEASE = 'https://github.com/org/app/.github/workflows/release.yml@refs/tags/v1.0.0';
const releaseIdentity: KeylessIdentity = {
  san: RELEASE,
  issuer: ISSUER,
  claims: { [FULCIO_V2_CLAIMS.sourceRepositoryURI!]: 'https://github.com/org/app' },
};
const LOG_TIME = 1780099200; // 2026-05-30

describe('advisories in peer verifiers', () => {
  let reg: RunningRegistry;
  let world: KeylessWorld;
  const client = new RegistryClient({ useDockerConfig: false });
  const work = mkdtempSync(join(tmpdir(), 'tg-advisories-'));
  const key = generateKey('p256');
  const attacker = generateKey('p256');
  const log = fakeLog(generateKey('p256'));
  const keyFile = join(work, 'cosign.pub');
  const rootFile = join(work, 'trusted_root.json');
  const keylessRoot = join(work, 'keyless_root.json');
  let logIndex = 1;

  beforeAll(async () => {
    reg = await startRegistry();
    world = await keylessWorld();
    writeFileSync(keyFile, key.pem);
    writeFileSync(rootFile, trustedRootFor(log));
    writeFileSync(keylessRoot, world.trustedRootJson);
  });
  afterAll(async () => {
    await client.close();
    await reg?.stop();
  });

  /** A fresh image in the registry: its digest and a tag reference. */
  async function image(name: string) {
    const img = buildImage({ seed: `advisory-${name}` });
    await reg.push(`adv/${name}`, img, 'v1');
    return { img, digest: img.manifest.digest, ref: `${reg.host}/adv/${name}:v1`, repo: `adv/${name}` };
  }

  /** cosign's simple-signing layer for `digest`, signed by `signer`, with a log entry built as asked. */
  function sigLayer(
    digest: Digest,
    repo: string,
    opts: {
      signer?: TestKey;
      /** What the log entry records, when it is to record something else than this signature. */
      logged?: { payload?: Uint8Array; signature?: string; signer?: TestKey };
      logKey?: ReturnType<typeof fakeLog>;
      noLog?: boolean;
      rekorBundle?: string;
    } = {},
  ): SigLayer {
    const payload = simpleSigningPayload(digest, `${reg.host}/${repo}`);
    const signer = opts.signer ?? key;
    const signature = signBytes(signer, payload);
    const rekorBundle =
      opts.rekorBundle ??
      (opts.noLog
        ? undefined
        : rekorBundleFor(opts.logKey ?? log, {
            payload: opts.logged?.payload ?? payload,
            signature: opts.logged?.signature ?? signature,
            signer: opts.logged?.signer ?? signer,
            logIndex: logIndex++,
            integratedTime: LOG_TIME,
          }));
    return { payload, annotations: simpleSigningAnnotations(signature, rekorBundle) };
  }

  async function verifyKeyed(ref: string, extra: Partial<VerifyOptions> = {}) {
    const run = await verifyImages([ref], { keys: [keyFile], trustedRoot: rootFile, client, ...extra });
    const image = run.images[0]!;
    return { code: run.exitCode, image, reasons: image.signatures.map((s) => s.reason ?? '').join('; ') };
  }

  async function verifyKeyless(ref: string, extra: Partial<VerifyOptions> = {}) {
    const run = await verifyImages([ref], {
      identity: { identity: RELEASE, issuer: ISSUER },
      trustedRoot: keylessRoot,
      client,
      ...extra,
    });
    const image = run.images[0]!;
    return { code: run.exitCode, image, reasons: image.signatures.map((s) => s.reason ?? '').join('; ') };
  }

  /** A cosign-save layout signed and attested by `key` in `log`, for CLI runs. */
  async function layout(seed: string, spec: { sign?: boolean; attest?: string[]; signer?: Signer }) {
    const by: Signer = spec.signer ?? { kind: 'key', key, log };
    return writePolicyImage(work, {
      seed,
      ...(spec.sign ? { signatures: [by] } : {}),
      attestations: (spec.attest ?? []).map((type) => ({ type, predicate: { seed }, by })),
    });
  }
  const keyArgs = () => ['--key', keyFile, '--trusted-root', rootFile];

  // ---- cosign -------------------------------------------------------------------------------

  test('GHSA-vjxv-45g9-9296: verify-attestation --type finds nothing of that type when only another type is attested', async () => {
    const img = await layout('vjxv', { sign: true, attest: ['vuln'] });
    const spdx = runCli(['verify-attestation', ...keyArgs(), '--type', 'spdx', img.ref]);
    expect(spdx.code, spdx.stderr).toBe(ExitCode.NO_SIGNATURES);
    expect(spdx.stdout + spdx.stderr).toContain('no attestation(s) of type https://spdx.dev/Document');
    expect(spdx.stdout + spdx.stderr).toContain(`found: ${predicateTypeFor('vuln')} (1)`);
    // The same attestation, asked for by its own type, does verify: the refusal above is about the type.
    expect(runCli(['verify-attestation', ...keyArgs(), '--type', 'vuln', img.ref]).code).toBe(ExitCode.OK);
  });

  test('GHSA-w6c6-c85g-mmv6: an attestation is never accepted as a signature, nor a malformed or mistyped one as an attestation', async () => {
    const { digest, img, ref, repo } = await image('w6c6');
    const slsa = dsseBundle(key, statementFor(digest, predicateTypeFor('slsaprovenance1')));
    await pushBundleReferrer(client, reg.host, repo, digest, img.manifest.bytes.length, slsa);
    const asSignature = await verifyKeyed(ref, { ignoreTlog: true });
    expect(asSignature.code).toBe(ExitCode.NO_SIGNATURES);
    expect(asSignature.image.notSignatures).toEqual([
      expect.objectContaining({ predicateType: predicateTypeFor('slsaprovenance1') }),
    ]);
    // A validly signed envelope whose payload is no statement at all.
    const junk = dsseBundle(key, Buffer.from('{"not":"a statement"}'));
    const other = await image('w6c6-junk');
    await pushBundleReferrer(
      client,
      reg.host,
      other.repo,
      other.digest,
      other.img.manifest.bytes.length,
      junk,
    );
    const base = { keys: [keyFile], trustedRoot: rootFile, ignoreTlog: true, client };
    const anyType = await verifyImageAttestations([other.ref], base);
    expect(anyType.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(anyType.images[0]!.attestations[0]!.reason).toContain('not an in-toto statement');
    // Asked for a type the signed statement does not have: nothing of that type, whatever else verifies.
    const typed = await verifyImageAttestations([ref], { ...base, type: 'spdx' });
    expect(typed.exitCode).toBe(ExitCode.NO_SIGNATURES);
    expect((await verifyImageAttestations([ref], { ...base, type: 'slsaprovenance1' })).exitCode).toBe(
      ExitCode.OK,
    );
  });

  test('CVE-2022-23649: a Rekor bundle copied from another signature does not log this one', async () => {
    const donor = await image('23649-donor');
    const donorLayer = sigLayer(donor.digest, donor.repo);
    await pushSig(client, reg.host, donor.repo, donor.digest, [donorLayer]);
    expect((await verifyKeyed(donor.ref)).code).toBe(ExitCode.OK);
    const victim = await image('23649');
    await pushSig(client, reg.host, victim.repo, victim.digest, [
      sigLayer(victim.digest, victim.repo, { rekorBundle: donorLayer.annotations[CosignAnnotation.BUNDLE]! }),
    ]);
    const r = await verifyKeyed(victim.ref);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.reasons).toContain('transparency-log entry rejected');
  });

  test('GHSA-8gw7-4j42-w388: invalid Rekor bundles and log entries fail; none is skipped into success', async () => {
    const cases: Array<[string, Parameters<typeof sigLayer>[2], RegExp]> = [
      ['not-json', { rekorBundle: 'not json' }, /Rekor bundle annotation is not JSON/],
      [
        'no-payload',
        { rekorBundle: '{"SignedEntryTimestamp":"AA=="}' },
        /Rekor bundle annotation is malformed/,
      ],
      ['foreign-set', { logKey: fakeLog(generateKey('p256')) }, /Rekor SET does not verify/],
      ['no-entry', { noLog: true }, /no transparency-log entry/],
    ];
    for (const [name, opts, reason] of cases) {
      const { digest, ref, repo } = await image(`8gw7-${name}`);
      await pushSig(client, reg.host, repo, digest, [sigLayer(digest, repo, opts)]);
      const r = await verifyKeyed(ref);
      expect(r.code, name).toBe(ExitCode.NONE_MATCHED);
      expect(r.reasons, name).toMatch(reason);
    }
  });

  test('GHSA-whqx-f9j3-ch6m: a log entry must record this digest, this signature and this signer', async () => {
    const other = simpleSigningPayload('sha256:'.padEnd(71, '0') as Digest, 'elsewhere/app');
    const cases: Array<[string, NonNullable<Parameters<typeof sigLayer>[2]>['logged'], RegExp]> = [
      ['digest', { payload: other }, /digest mismatch/],
      ['signature', { signature: signBytes(key, other) }, /signature mismatch/],
      // The entry's SET is valid and it names this payload and signature, but under another key:
      // a search of the log for the signer's key would never find this signing event.
      ['signer', { signer: attacker }, /records another signer than the key/],
    ];
    for (const [name, logged, reason] of cases) {
      const { digest, ref, repo } = await image(`whqx-${name}`);
      await pushSig(client, reg.host, repo, digest, [sigLayer(digest, repo, { logged })]);
      const r = await verifyKeyed(ref);
      expect(r.code, name).toBe(ExitCode.NONE_MATCHED);
      expect(r.reasons, name).toMatch(reason);
    }
    // Keyless: the entry names another certificate (same log, valid SET, same signature and digest).
    const { digest, ref, repo } = await image('whqx-certificate');
    const payload = simpleSigningPayload(digest, `${reg.host}/${repo}`);
    const signed = await world.signLegacy(payload, releaseIdentity);
    const decoy = await world.signLegacy(Buffer.from('decoy'), releaseIdentity);
    const entry = await world.tlog.log({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } },
        signature: {
          content: signed.signature,
          publicKey: { content: Buffer.from(decoy.certificate).toString('base64') },
        },
      },
    });
    const e = Object.values(entry)[0] as {
      body: string;
      integratedTime: number;
      logIndex: number;
      logID: string;
      verification: { signedEntryTimestamp: string };
    };
    const rekorBundle = JSON.stringify({
      SignedEntryTimestamp: e.verification.signedEntryTimestamp,
      Payload: { body: e.body, integratedTime: e.integratedTime, logIndex: e.logIndex, logID: e.logID },
    });
    const certAnnotations = {
      [CosignAnnotation.CERTIFICATE]: signed.certificate,
      [CosignAnnotation.CHAIN]: signed.chain,
    };
    await pushSig(client, reg.host, repo, digest, [
      {
        payload,
        annotations: { ...simpleSigningAnnotations(signed.signature, rekorBundle), ...certAnnotations },
      },
    ]);
    const r = await verifyKeyless(ref);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.reasons).toContain('records another signer than the certificate');
  });

  test('GHSA-fx35-mq7g-6g98: a bare public key where the certificate belongs is never used to verify', async () => {
    const { digest, ref, repo } = await image('fx35');
    const payload = simpleSigningPayload(digest, `${reg.host}/${repo}`);
    // The attacker signs with their own key, logged in the trusted log, and puts that key in the
    // certificate annotation.
    const signed = await world.signLegacy(payload, { privateKey: attacker.privateKey, pem: attacker.pem });
    await pushSig(client, reg.host, repo, digest, [
      {
        payload,
        annotations: {
          ...simpleSigningAnnotations(signed.signature, signed.rekorBundle),
          [CosignAnnotation.CERTIFICATE]: attacker.pem,
        },
      },
    ]);
    const keyless = await verifyKeyless(ref);
    expect(keyless.code).toBe(ExitCode.NONE_MATCHED);
    expect(keyless.reasons).toContain('holds no PEM certificate');
    // With --key, the key in the annotation takes no part either: only the given key is tried.
    const keyed = await verifyKeyed(ref, { trustedRoot: keylessRoot });
    expect(keyed.code).toBe(ExitCode.NONE_MATCHED);
    expect(keyed.reasons).toContain('signature does not verify with this key');
  });

  test('GHSA-wfqv-66vq-46rm: with the log skipped, an intermediate that has expired fails the chain', async () => {
    const dir = join(work, 'wfqv');
    mkdirSync(dir);
    const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const put = (name: string, body: string) => writeFileSync(join(dir, name), body);
    put('index.txt', '');
    put('serial', '01\n');
    put(
      'ca.cnf',
      '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n',
    );
    put('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    put(
      'leaf.ext',
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectAltName=email:signer@example.com\n',
    );
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ossl(
      [
        'req',
        '-x509',
        ...ec,
        '-days',
        '3650',
        '-subj',
        '/CN=adv root',
        '-keyout',
        'root.key',
        '-out',
        'root.pem',
      ].concat([
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]),
    );
    ossl([
      'req',
      '-new',
      ...ec,
      '-subj',
      '/CN=adv intermediate',
      '-keyout',
      'inter.key',
      '-out',
      'inter.csr',
    ]);
    const ca = (cert: string, keyFile: string, csr: string, out: string, ext: string, dates: string[]) =>
      ossl([
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-notext',
        '-cert',
        cert,
        '-keyfile',
        keyFile,
        '-in',
        csr,
        '-out',
        out,
        '-extfile',
        ext,
        ...dates,
      ]);
    // The same intermediate (name and key) twice: once expired in 2021, once valid for ten years.
    ca('root.pem', 'root.key', 'inter.csr', 'inter-expired.pem', 'ca.ext', [
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20210101000000Z',
    ]);
    ca('root.pem', 'root.key', 'inter.csr', 'inter-valid.pem', 'ca.ext', ['-days', '3650']);
    const leafKey = generateKey('p256');
    put('leaf.key', leafKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    ossl(['req', '-new', '-key', 'leaf.key', '-subj', '/CN=signer', '-out', 'leaf.csr']);
    // Issued in 2020, inside the expired intermediate's life, and valid until 2035.
    ca('inter-valid.pem', 'inter.key', 'leaf.csr', 'leaf.pem', 'leaf.ext', [
      '-startdate',
      '20200601000000Z',
      '-enddate',
      '20350101000000Z',
    ]);
    const { digest, ref, repo } = await image('wfqv');
    const payload = simpleSigningPayload(digest, `${reg.host}/${repo}`);
    const pem = (f: string) => readFileSync(join(dir, f), 'utf8');
    await pushSig(client, reg.host, repo, digest, [
      {
        payload,
        annotations: {
          ...simpleSigningAnnotations(signBytes(leafKey, payload)),
          [CosignAnnotation.CERTIFICATE]: pem('leaf.pem'),
          [CosignAnnotation.CHAIN]: pem('inter-expired.pem') + pem('root.pem'),
        },
      },
    ]);
    const run = (intermediates: string) =>
      verifyImages([ref], {
        identity: { identity: 'signer@example.com', issuerRegexp: '.*' },
        caRoots: join(dir, 'root.pem'),
        caIntermediates: join(dir, intermediates),
        ignoreTlog: true,
        ignoreSct: true,
        client,
      });
    const expired = await run('inter-expired.pem');
    expect(expired.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(expired.images[0]!.signatures[0]!.reason).toContain('does not chain');
    expect((await run('inter-valid.pem')).exitCode).toBe(ExitCode.OK);
  });

  // ---- sigstore-js ---------------------------------------------------------------------------

  test('GHSA-xgjw-pm74-86q4: the integratedTime of an entry with only an inclusion proof proves no time', async () => {
    // The certificate lived ten minutes, an hour ago; the entry was logged now.
    const past = new Date(Date.now() - 3600_000);
    const old = await keylessWorld({ certClock: past });
    const oldRoot = join(work, 'xgjw_root.json');
    writeFileSync(oldRoot, old.trustedRootJson);
    const { digest, img, ref, repo } = await image('xgjw');
    const bundle = JSON.parse(
      (await old.signBundle(statementFor(digest, COSIGN_SIGN_V1), releaseIdentity)).toString(),
    );
    const entry = bundle.verificationMaterial.tlogEntries[0];
    // The time is moved into the certificate's life and the SET, which would have covered it, dropped.
    entry.integratedTime = String(Math.floor(past.getTime() / 1000) + 60);
    delete entry.inclusionPromise;
    expect(entry.inclusionProof).toBeDefined();
    await pushBundleReferrer(
      client,
      reg.host,
      repo,
      digest,
      img.manifest.bytes.length,
      Buffer.from(JSON.stringify(bundle)),
    );
    const r = await verifyKeyless(ref, { trustedRoot: oldRoot });
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.reasons).toMatch(/no verified time|does not chain/);
  });

  test('GHSA-52v5-jr5w-gjxr: certificate claims that were asked for are enforced, never dropped', async () => {
    const { digest, ref, repo } = await image('52v5');
    const payload = simpleSigningPayload(digest, `${reg.host}/${repo}`);
    const signed = await world.signLegacy(payload, releaseIdentity);
    await pushSig(client, reg.host, repo, digest, [
      {
        payload,
        annotations: {
          ...simpleSigningAnnotations(signed.signature, signed.rekorBundle),
          [CosignAnnotation.CERTIFICATE]: signed.certificate,
          [CosignAnnotation.CHAIN]: signed.chain,
        },
      },
    ]);
    const withClaims = (claims: Record<string, string>) =>
      verifyKeyless(ref, { identity: { identity: RELEASE, issuer: ISSUER, claims } });
    const uri = FULCIO_V2_CLAIMS.sourceRepositoryURI!;
    expect((await withClaims({ [uri]: 'https://github.com/org/app' })).code).toBe(ExitCode.OK);
    const wrong = await withClaims({ [uri]: 'https://github.com/evil/app' });
    expect(wrong.code).toBe(ExitCode.NONE_MATCHED);
    expect(wrong.reasons).toContain('sourceRepositoryURI is "https://github.com/org/app"');
    const absent = await withClaims({ [FULCIO_V2_CLAIMS.runnerEnvironment!]: 'github-hosted' });
    expect(absent.code).toBe(ExitCode.NONE_MATCHED);
    expect(absent.reasons).toContain('runnerEnvironment is missing');
    // An OID trustgate has no name for is matched too, by its dotted form.
    const unnamed = await withClaims({ '1.3.6.1.4.1.57264.1.99': 'x' });
    expect(unnamed.code).toBe(ExitCode.NONE_MATCHED);
  });

  // ---- sigstore-go ---------------------------------------------------------------------------

  test("GHSA-wqqc-jjcq-vfxm: a log key's validity window bounds the entries it can vouch for", async () => {
    const { digest, ref, repo } = await image('wqqc');
    await pushSig(client, reg.host, repo, digest, [sigLayer(digest, repo)]);
    expect((await verifyKeyed(ref)).code).toBe(ExitCode.OK);
    const root = JSON.parse(trustedRootFor(log));
    for (const [name, validFor] of [
      ['ended', { start: '2020-01-01T00:00:00Z', end: '2021-01-01T00:00:00Z' }],
      ['not-yet', { start: '2027-01-01T00:00:00Z' }],
    ] as const) {
      root.tlogs[0].publicKey.validFor = validFor;
      const file = join(work, `wqqc-${name}.json`);
      writeFileSync(file, JSON.stringify(root));
      const r = await verifyKeyed(ref, { trustedRoot: file });
      expect(r.code, name).toBe(ExitCode.NONE_MATCHED);
      expect(r.reasons, name).toContain('Rekor SET does not verify');
    }
  });

  test('GHSA-9vcr-p3rj-q5q6: no log threshold above one exists to be inflated; each entry verifies on its own', async () => {
    // trustgate asks for exactly one log entry (and one SCT); there is no flag to ask for more.
    for (const cmd of ['verify', 'verify-attestation', 'verify-bundle']) {
      expect(runCli([cmd, '--help']).stdout).not.toMatch(/threshold/i);
    }
    // A deterministic (Ed25519) signature logged in the trusted log and in a foreign one: the foreign
    // entry cannot be counted alongside, it fails the whole signature; a repeated entry fails too.
    const signer = ed25519FromLabel('advisory 9vcr');
    const who = { privateKey: signer.privateKey, pem: signer.pem };
    const foreign = await keylessWorld();
    const signerFile = join(work, '9vcr.pub');
    writeFileSync(signerFile, signer.pem);
    type Entry = unknown;
    const attach = async (name: string, pick: (ours: Entry, theirs: Entry) => Entry[]) => {
      const target = await image(`9vcr-${name}`);
      const statement = statementFor(target.digest, COSIGN_SIGN_V1);
      const ours = JSON.parse((await world.signBundle(statement, who)).toString());
      const theirs = JSON.parse((await foreign.signBundle(statement, who)).toString());
      expect(ours.dsseEnvelope.signatures).toEqual(theirs.dsseEnvelope.signatures);
      ours.verificationMaterial.tlogEntries = pick(
        ours.verificationMaterial.tlogEntries[0],
        theirs.verificationMaterial.tlogEntries[0],
      );
      const bytes = Buffer.from(JSON.stringify(ours));
      await pushBundleReferrer(
        client,
        reg.host,
        target.repo,
        target.digest,
        target.img.manifest.bytes.length,
        bytes,
      );
      const run = await verifyImages([target.ref], { keys: [signerFile], trustedRoot: keylessRoot, client });
      return run.exitCode;
    };
    expect(await attach('one', (o) => [o])).toBe(ExitCode.OK);
    expect(await attach('foreign', (o, t) => [o, t])).toBe(ExitCode.NONE_MATCHED);
    expect(await attach('repeated', (o) => [o, o])).toBe(ExitCode.NONE_MATCHED);
  });

  // ---- policy-controller, kyverno --------------------------------------------------------------

  function policyFile(name: string, body: string): string {
    const file = join(work, `${name}.yaml`);
    writeFileSync(
      file,
      `apiVersion: trustgate.dev/v1\nkind: Policy\nmetadata: { name: ${name} }\nnoMatch: deny\n${body}`,
    );
    return file;
  }

  test('GHSA-739f-hw6h-7wq8: a policy requiring an attestation type denies an image attested only with another type', async () => {
    const img = await layout('739f', { sign: true, attest: ['vuln'] });
    const policy = (type: string) =>
      policyFile(
        `739f-${type}`,
        `trustRoots:\n  log: { trustedRoot: ${rootFile} }\nauthorities:\n  k: { keys: [{ file: ${keyFile} }], trustRoot: log }\nrules:\n  - name: r\n    images: ["**"]\n    signatures: { anyOf: [k] }\n    attestations:\n      - { name: a, type: ${type}, signedBy: [k] }\n`,
      );
    const args = (type: string) => [
      'verify',
      '--policy',
      policy(type),
      '--image-name',
      'registry.example/adv/739f',
      img.ref,
    ];
    const denied = runCli(args('spdx'));
    expect(denied.code, denied.stderr).toBe(ExitCode.FAILURE);
    expect(denied.stdout).toContain('DENIED');
    expect(denied.stdout).toContain('no verified spdx attestation signed by k');
    expect(runCli(args('vuln')).code).toBe(ExitCode.OK);
  });

  test('GHSA-m3cq-xcx9-3gvm: the digest verified is the digest named, and the one reported for deployment', async () => {
    const signed = await image('m3cq');
    await pushSig(client, reg.host, signed.repo, signed.digest, [sigLayer(signed.digest, signed.repo)]);
    const unsigned = buildImage({ seed: 'advisory-m3cq-unsigned' });
    await reg.push(signed.repo, unsigned, 'unsigned');
    expect((await verifyKeyed(signed.ref)).code).toBe(ExitCode.OK);
    // The tag points at the signed image, the digest at the unsigned one: the digest is what is verified.
    const pinned = await verifyKeyed(`${reg.host}/${signed.repo}:v1@${unsigned.manifest.digest}`);
    expect(pinned.code).toBe(ExitCode.NO_SIGNATURES);
    expect(pinned.image.digest).toBe(unsigned.manifest.digest);
    // What is reported is the digest to deploy: the one verified, never the tag again.
    expect(pinned.image.canonical).toBe(`${reg.host}/${signed.repo}@${unsigned.manifest.digest}`);
  });

  test('GHSA-46mp-8w32-6g94: subjectRegExp and issuerRegExp in a policy are enforced', async () => {
    const img = await layout('46mp', {
      sign: true,
      signer: { kind: 'keyless', world, who: releaseIdentity },
    });
    const policy = (name: string, keyless: string) =>
      policyFile(
        `46mp-${name}`,
        `trustRoots:\n  w: { trustedRoot: ${keylessRoot} }\nauthorities:\n  rel: { keyless: { ${keyless} }, trustRoot: w }\nrules:\n  - name: r\n    images: ["**"]\n    signatures: { anyOf: [rel] }\n`,
      );
    const run = (file: string) =>
      runCli(['verify', '--policy', file, '--image-name', 'registry.example/adv/46mp', img.ref]);
    const good = run(
      policy('good', `issuer: ${ISSUER}, subjectRegExp: 'https://github\\.com/org/app/.*@refs/tags/v.*'`),
    );
    expect(good.code, good.stdout + good.stderr).toBe(ExitCode.OK);
    const subject = run(
      policy('subject', `issuer: ${ISSUER}, subjectRegExp: 'https://github\\.com/other/.*'`),
    );
    expect(subject.code).toBe(ExitCode.FAILURE);
    const issuer = run(
      policy('issuer', `issuerRegExp: 'https://accounts\\.google\\.com', subjectRegExp: '.*'`),
    );
    expect(issuer.code).toBe(ExitCode.FAILURE);
    // On the command line too: a regexp that does not match the whole identity refuses.
    const cli = runCli([
      'verify',
      '--certificate-identity-regexp',
      'github\\.com/org/app',
      '--certificate-oidc-issuer',
      ISSUER,
      '--trusted-root',
      keylessRoot,
      img.ref,
    ]);
    expect(cli.code).toBe(ExitCode.NONE_MATCHED);
  });

  // ---- notation ------------------------------------------------------------------------------

  test("GHSA-xhg5-42rf-296r: another image's valid signature, served as this image's, is refused", async () => {
    const donor = await image('xhg5-donor');
    const victim = await image('xhg5');
    // The registry serves, under the victim's sha256-<hex>.sig tag, a signature made for the donor.
    await pushSig(client, reg.host, victim.repo, victim.digest, [sigLayer(donor.digest, donor.repo)]);
    const r = await verifyKeyed(victim.ref);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.reasons).toContain(`the signature is for ${donor.digest}, not for this image ${victim.digest}`);
  });

  test("GHSA-57wx-m636-g3g8: a signature bundle for another artifact, listed among this image's referrers, is refused", async () => {
    const donor = await image('57wx-donor');
    const victim = await image('57wx');
    // Signed for the donor, but attached with the victim as its subject.
    const bundle = dsseBundle(key, statementFor(donor.digest, COSIGN_SIGN_V1));
    await pushBundleReferrer(
      client,
      reg.host,
      victim.repo,
      victim.digest,
      victim.img.manifest.bytes.length,
      bundle,
    );
    const r = await verifyKeyed(victim.ref, { ignoreTlog: true });
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.reasons).toContain(`does not name this image ${victim.digest}`);
  });

  // ---- gh ------------------------------------------------------------------------------------

  test('GO-2025-3467: finding no attestations (of the type, or at all) is a non-zero exit, never 0', async () => {
    const img = await layout('gh3467', { sign: true });
    const none = runCli(['verify-attestation', ...keyArgs(), img.ref]);
    expect(none.code).toBe(ExitCode.NO_SIGNATURES);
    const typed = runCli(['verify-attestation', ...keyArgs(), '--type', 'slsaprovenance1', img.ref]);
    expect(typed.code).toBe(ExitCode.NO_SIGNATURES);
    expect(typed.stdout + typed.stderr).toContain('no attestation(s) of type https://slsa.dev/provenance/v1');
    const json = runCli(['verify-attestation', ...keyArgs(), '-o', 'report', img.ref]);
    expect(json.code).toBe(ExitCode.NO_SIGNATURES);
    const unsigned = await layout('gh3467-unsigned', {});
    expect(runCli(['verify', ...keyArgs(), unsigned.ref]).code).toBe(ExitCode.NO_SIGNATURES);
  });
});
