/**
 * One realistic predicate per attestation type the tool knows, shaped as the producers write them
 * (slsa-github-generator, syft/cyclonedx, spdx, Trivy via `cosign vuln`, a `.trivyignore` triage,
 * a license scan, a cosign custom predicate). Pretty-printed, so that extract's byte-exactness is
 * tested against whitespace the tool must not normalise.
 */
import type { Digest } from '../../src/reference/digest.js';

export interface PredicateSample {
  /** The `--type` shorthand. */
  type: string;
  predicateType: string;
  predicate: Buffer;
}

const GENERATOR =
  'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.9.0';
const pretty = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);

export function predicateSamples(digest: Digest): PredicateSample[] {
  const hex = digest.slice('sha256:'.length);
  return [
    {
      type: 'slsaprovenance02',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      predicate: pretty({
        builder: { id: GENERATOR },
        buildType: 'https://github.com/slsa-framework/slsa-github-generator/container@v1',
        invocation: {
          configSource: {
            uri: 'git+https://github.com/example/app@refs/tags/v1.2.3',
            digest: { sha1: 'a'.repeat(40) },
            entryPoint: '.github/workflows/release.yml',
          },
          environment: { github_event_name: 'push', github_ref: 'refs/tags/v1.2.3' },
        },
        metadata: { buildInvocationID: '1234-1', completeness: { parameters: true } },
        materials: [{ uri: 'git+https://github.com/example/app@refs/tags/v1.2.3' }],
      }),
    },
    {
      type: 'slsaprovenance1',
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: pretty({
        buildDefinition: {
          buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
          externalParameters: {
            workflow: {
              ref: 'refs/tags/v1.2.3',
              repository: 'https://github.com/example/app',
              path: '.github/workflows/release.yml',
            },
          },
          resolvedDependencies: [
            {
              uri: 'git+https://github.com/example/app@refs/tags/v1.2.3',
              digest: { gitCommit: 'b'.repeat(40) },
            },
          ],
        },
        runDetails: {
          builder: { id: GENERATOR },
          metadata: { invocationId: 'https://github.com/example/app/actions/runs/1/attempts/1' },
        },
      }),
    },
    {
      type: 'cyclonedx',
      predicateType: 'https://cyclonedx.org/bom',
      predicate: pretty({
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
        metadata: { component: { type: 'container', name: 'example/app', version: `sha256:${hex}` } },
        components: [
          {
            type: 'library',
            name: 'openssl',
            version: '3.0.11',
            purl: 'pkg:deb/debian/openssl@3.0.11',
            licenses: [{ license: { id: 'Apache-2.0' } }],
          },
          {
            type: 'library',
            name: 'lodash',
            version: '4.17.21',
            purl: 'pkg:npm/lodash@4.17.21',
            licenses: [{ license: { id: 'MIT' } }],
          },
        ],
      }),
    },
    {
      type: 'spdxjson',
      predicateType: 'https://spdx.dev/Document',
      predicate: pretty({
        spdxVersion: 'SPDX-2.3',
        dataLicense: 'CC0-1.0',
        SPDXID: 'SPDXRef-DOCUMENT',
        name: 'example/app',
        documentNamespace: `https://example.com/spdx/app-${hex.slice(0, 12)}`,
        creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: syft-1.0.0'] },
        packages: [
          {
            SPDXID: 'SPDXRef-Package-zlib',
            name: 'zlib',
            versionInfo: '1.3',
            licenseConcluded: 'Zlib',
            downloadLocation: 'NOASSERTION',
            externalRefs: [
              {
                referenceCategory: 'PACKAGE-MANAGER',
                referenceType: 'purl',
                referenceLocator: 'pkg:deb/debian/zlib@1.3',
              },
            ],
          },
        ],
      }),
    },
    {
      // What `cosign attest --type vuln` wraps around a Trivy report.
      type: 'vuln',
      predicateType: 'https://cosign.sigstore.dev/attestation/vuln/v1',
      predicate: pretty({
        invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
        scanner: {
          uri: 'pkg:github/aquasecurity/trivy@0.50.0',
          version: '0.50.0',
          db: { uri: '', version: '' },
          result: {
            SchemaVersion: 2,
            ArtifactName: `example/app@sha256:${hex}`,
            ArtifactType: 'container_image',
            Results: [
              {
                Target: 'example/app (debian 12.5)',
                Class: 'os-pkgs',
                Type: 'debian',
                Vulnerabilities: [
                  {
                    VulnerabilityID: 'CVE-2024-0001',
                    PkgName: 'openssl',
                    InstalledVersion: '3.0.11',
                    FixedVersion: '3.0.13',
                    Severity: 'CRITICAL',
                  },
                  {
                    VulnerabilityID: 'CVE-2024-0002',
                    PkgName: 'zlib',
                    InstalledVersion: '1.3',
                    Severity: 'HIGH',
                  },
                ],
              },
            ],
          },
        },
        metadata: { scanStartedOn: '2026-01-01T00:00:00Z', scanFinishedOn: '2026-01-01T00:01:00Z' },
      }),
    },
    {
      // Aleph Alpha's triage attestation: `.trivyignore` content with reasons.
      type: 'triage',
      predicateType: 'https://aleph-alpha.com/attestations/triage/v1',
      predicate: pretty({
        trivyignore: '# not reachable: zlib is only used by the build stage\nCVE-2024-0002\n',
        author: 'security@example.com',
        date: '2026-01-02T00:00:00Z',
      }),
    },
    {
      type: 'license',
      predicateType: 'https://aleph-alpha.com/attestations/license/v1',
      predicate: pretty({
        scanner: 'trivy-license',
        licenses: [
          { package: 'openssl', license: 'Apache-2.0', category: 'notice' },
          { package: 'lodash', license: 'MIT', category: 'notice' },
        ],
      }),
    },
    {
      type: 'custom',
      predicateType: 'https://cosign.sigstore.dev/attestation/v1',
      predicate: pretty({
        Data: 'release approved by the example release board',
        Timestamp: '2026-01-01T00:00:00Z',
      }),
    },
  ];
}
