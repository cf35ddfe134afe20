/**
 * cosign's (pflag's) `--flag=true|false` form for every boolean flag. Commander knows only `--flag`,
 * and reads `--flag=false` as an unknown option. So each boolean gets a hidden `--no-flag`, and the
 * arguments are rewritten before parsing: `--flag=true` → `--flag`, `--flag=false` → `--no-flag`.
 * Only the `=` form carries a value: `--flag false` stays a flag and an argument, as in pflag.
 * Applied once to the whole program (main.ts), so booleans added by any command get it too.
 */
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';

/** pflag's (Go strconv.ParseBool's) spellings; undefined for anything else. */
export function parseBoolText(text: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  return undefined;
}

/** Adds a hidden `--no-x` for every boolean `--x` of `cmd` and its subcommands that lacks one. */
export function addFalseForms(cmd: Command): void {
  const longs = new Set(cmd.options.map((o) => o.long));
  for (const o of [...cmd.options]) {
    if (!o.isBoolean() || !o.long || longs.has(`--no-${o.long.slice(2)}`)) continue;
    cmd.addOption(new Option(`--no-${o.long.slice(2)}`).hideHelp());
  }
  for (const sub of cmd.commands) addFalseForms(sub);
}

/** The command the arguments run: program, then each leading word that names a subcommand. */
function commandOf(program: Command, args: readonly string[]): { cmd: Command; from: number } {
  let cmd = program;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    cmd = sub;
  }
  return { cmd, from: i };
}

/**
 * The user's arguments (without node and script) with every `--flag=BOOL` / `-f=BOOL` of a boolean
 * flag of the command they run turned into `--flag` or `--no-flag`. A value that is not a boolean is
 * a usage error, as in pflag. Nothing after `--` and no option's value is touched.
 */
export function expandBoolAssignments(program: Command, args: readonly string[]): string[] {
  const { cmd, from } = commandOf(program, args);
  const find = (name: string) => cmd.options.find((o) => o.long === name || o.short === name);
  const out = args.slice(0, from);
  for (let i = from; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const eq = a.indexOf('=');
    if (a.startsWith('-') && eq > 1) {
      const name = a.slice(0, eq);
      const o = find(name);
      if (o?.isBoolean() && o.long) {
        const value = parseBoolText(a.slice(eq + 1));
        if (value === undefined)
          throw new UsageError(`${name} takes true or false, got "${a.slice(eq + 1)}"`);
        out.push(value ? o.long : `--no-${o.long.slice(2)}`);
        continue;
      }
    } else if (a.startsWith('-') && find(a)?.required) {
      // The option's value is the next argument, whatever it looks like.
      out.push(a, ...args.slice(i + 1, i + 2));
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}
