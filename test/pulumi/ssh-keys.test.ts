// access.sshKeys under mocks: public keys are uploaded; keys already on the account (by
// fingerprint or by name) are looked up with the provider's data sources, answered here by the
// mocks' `call`, and never uploaded. The droplets carry the looked-up fingerprints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { answerDataSource, previewCloudResources, type MockAccount } from "../../components/cloud-preview.ts";
import { sshKeyFingerprint } from "../../components/ssh-key-fingerprint.ts";
import { SPEC_FILES, T, loadEdited, loadSpec, ofType } from "./helpers.ts";

const LAPTOP = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq3c0cE7C8yJ1m6fXoQm2v4Vt7h0f0rWc6d3s9sXk4b ops@laptop";
const CI = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO0WJijr7UfxThEU5MCNseSGmwMa9/nFlKwmOwI1oP+L ci@dcg-dev";
/** The account: the laptop key was added by hand as "ops-laptop"; a second key under another name. */
const ACCOUNT: MockAccount = {
  sshKeys: [
    { id: 101, name: "ops-laptop", fingerprint: sshKeyFingerprint(LAPTOP), publicKey: LAPTOP },
    { id: 102, name: "ci key", fingerprint: sshKeyFingerprint(CI), publicKey: CI },
  ],
};
const withKeys = (yaml: string) => loadEdited(SPEC_FILES.prod, /sshKeys: \[\{ name: ops-laptop \}\]/, `sshKeys: ${yaml}`);

test("stacks/prod.yaml names an existing key: no SshKey resource, the droplets carry its looked-up fingerprint", async () => {
  const rs = await previewCloudResources(loadSpec(SPEC_FILES.prod), { account: ACCOUNT });
  assert.deepEqual(ofType(rs, T.sshKey), []);
  const droplets = ofType(rs, T.droplet);
  assert.equal(droplets.length, 2);
  for (const d of droplets) assert.deepEqual(d.inputs.sshKeys, [sshKeyFingerprint(LAPTOP)]);
});

test("an existing key by fingerprint: looked up, not uploaded", async () => {
  const fingerprint = sshKeyFingerprint(CI);
  const rs = await previewCloudResources(withKeys(`[{ fingerprint: "${fingerprint}" }]`), { account: ACCOUNT });
  assert.deepEqual(ofType(rs, T.sshKey), []);
  for (const d of ofType(rs, T.droplet)) assert.deepEqual(d.inputs.sshKeys, [fingerprint]);
});

test("a public key, a name and a fingerprint together: one upload, fingerprints in spec order", async () => {
  const spec = withKeys(`["${CI}", { name: "ops-laptop" }, { fingerprint: "${sshKeyFingerprint(LAPTOP)}" }]`);
  const dependencies = new Map<string, string[]>();
  const rs = await previewCloudResources(spec, { account: { sshKeys: [ACCOUNT.sshKeys[0]!] }, dependencies });
  const uploads = ofType(rs, T.sshKey);
  assert.deepEqual(uploads.map((k) => k.inputs), [{ name: "dcg-prod-0", publicKey: CI }]);
  for (const d of ofType(rs, T.droplet)) {
    assert.deepEqual(d.inputs.sshKeys, [sshKeyFingerprint(CI), sshKeyFingerprint(LAPTOP), sshKeyFingerprint(LAPTOP)]);
    assert.ok(dependencies.get(d.urn)!.includes(uploads[0]!.urn), "the droplet waits for the uploaded key");
  }
});

test("a key the account does not have stops the program with a message naming it", async () => {
  await assert.rejects(previewCloudResources(withKeys(`[{ name: "nobody's key" }]`), { account: ACCOUNT }), /no SSH key named "nobody's key" on the DigitalOcean account/);
  const missing = "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";
  await assert.rejects(
    previewCloudResources(withKeys(`[{ fingerprint: "${missing}" }]`), { account: ACCOUNT }),
    new RegExp(`access\\.sshKeys\\[0\\]: no SSH key with fingerprint ${missing} on the DigitalOcean account`),
  );
});

test("offline, without an account, `vigil plan` shows what the lookup will give", async () => {
  const rs = await previewCloudResources(withKeys(`[{ name: "ops-laptop" }, { fingerprint: "${sshKeyFingerprint(CI)}" }]`));
  for (const d of ofType(rs, T.droplet)) assert.deepEqual(d.inputs.sshKeys, ['(fingerprint of SSH key "ops-laptop")', sshKeyFingerprint(CI)]);
});

test("hostile key names reach the data source as data, unchanged", () => {
  for (const name of ["'; rm -rf / #", "$(reboot)", "ops laptop \"quoted\"", "ünïcode ✓"]) {
    const answer = answerDataSource("digitalocean:index/getSshKey:getSshKey", { name }, { sshKeys: [{ id: 1, name, fingerprint: "aa", publicKey: "" }] });
    assert.equal(answer.name, name);
  }
});
