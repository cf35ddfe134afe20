/** pflag's `--flag=true|false` on commander: the argument rewrite and the hidden `--no-` forms. */
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { addFalseForms, expandBoolAssignments, parseBoolText } from '../../src/cli/bool-flag.js';

function program(): Command {
  const p = new Command().exitOverride();
  p.command('verify')
    .argument('[image...]')
    .option('--local-image')
    .option('-d, --verbose')
    .option('--key <k>')
    .option('--new-bundle-format')
    .action(() => undefined);
  addFalseForms(p);
  return p;
}

async function parsed(args: string[]): Promise<{ opts: Record<string, unknown>; args: string[] }> {
  const p = program();
  await p.parseAsync(['node', 'tg', ...expandBoolAssignments(p, args)]);
  const v = p.commands[0]!;
  return { opts: v.opts(), args: v.args };
}

describe('parseBoolText', () => {
  test("Go's ParseBool spellings, and nothing else", () => {
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) expect(parseBoolText(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) expect(parseBoolText(f)).toBe(false);
    for (const x of ['', 'yes', 'no', 'tRuE', ' true']) expect(parseBoolText(x)).toBeUndefined();
  });
});

describe('--flag=true|false', () => {
  test('=true sets it, =false sets it false, and absent leaves it unset', async () => {
    expect((await parsed(['verify', '--new-bundle-format=true', 'img'])).opts.newBundleFormat).toBe(true);
    expect((await parsed(['verify', '--new-bundle-format=false', 'img'])).opts.newBundleFormat).toBe(false);
    expect((await parsed(['verify', '--new-bundle-format', 'img'])).opts.newBundleFormat).toBe(true);
    expect('newBundleFormat' in (await parsed(['verify', 'img'])).opts).toBe(false);
  });

  test('the short form too: -d=false', async () => {
    expect((await parsed(['verify', '-d=false', 'img'])).opts.verbose).toBe(false);
  });

  test('`--flag false` with a space is a flag and an argument, as in pflag', async () => {
    const r = await parsed(['verify', '--local-image', 'false']);
    expect(r.opts.localImage).toBe(true);
    expect(r.args).toEqual(['false']);
  });

  test("an option's value and everything after -- are left alone", () => {
    const p = program();
    expect(
      expandBoolAssignments(p, ['verify', '--key', '--local-image=true', '--', '--verbose=false']),
    ).toEqual(['verify', '--key', '--local-image=true', '--', '--verbose=false']);
  });

  test('a value that is not a boolean is a usage error naming the flag', () => {
    expect(() => expandBoolAssignments(program(), ['verify', '--local-image=yes'])).toThrow(
      '--local-image takes true or false, got "yes"',
    );
  });

  test('the --no- forms are hidden from help', () => {
    const p = program();
    expect(p.commands[0]!.helpInformation()).not.toContain('--no-');
  });
});
