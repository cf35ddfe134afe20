/** The CLI: a thin layer of argument parsing and rendering over library calls. */
import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { printable } from '../util/printable.js';
import { VERSION } from '../version.js';
import { addFalseForms, expandBoolAssignments } from './bool-flag.js';
import { exitCodeForError } from './exit-codes.js';
import { cliMessage } from './flags.js';
import { type Io, processIo, redactingIo } from './output.js';
import { stdoutRedirect } from './output-file.js';

type Register = (program: Command, io: Io, setExit: (code: number) => void) => void;

/**
 * Every command, in the order help lists them, by the names (and aliases) that run it. Loaded on
 * demand: a run builds only its own command's definition and loads only its module, since all the
 * definitions and what they import cost start-up time no single command needs.
 */
const COMMANDS: Array<{ names: string[]; load: () => Promise<Register> }> = [
  { names: ['resolve'], load: async () => (await import('./commands/resolve.js')).registerResolve },
  { names: ['verify'], load: async () => (await import('./commands/verify.js')).registerVerify },
  {
    names: ['verify-attestation'],
    load: async () => (await import('./commands/verify-attestation.js')).registerVerifyAttestation,
  },
  { names: ['extract'], load: async () => (await import('./commands/extract.js')).registerExtract },
  {
    names: ['attestations', 'tree'],
    load: async () => (await import('./commands/attestations.js')).registerAttestations,
  },
  { names: ['export'], load: async () => (await import('./commands/export.js')).registerExport },
  {
    names: ['verify-bundle'],
    load: async () => (await import('./commands/verify-bundle.js')).registerVerifyBundle,
  },
  {
    names: ['verify-slsa'],
    load: async () => (await import('./commands/verify-slsa.js')).registerVerifySlsa,
  },
  {
    names: ['verify-vsa'],
    load: async () => (await import('./commands/verify-vsa.js')).registerVerifyVsa,
  },
  { names: ['policy'], load: async () => (await import('./commands/policy.js')).registerPolicy },
  { names: ['pin'], load: async () => (await import('./commands/pin.js')).registerPin },
];

/**
 * The commands to define for these arguments: only the one named first, when the first argument
 * names one; none for a bare --version; otherwise all (help, `help CMD`, options before the command,
 * an unknown command: commander answers those as it always did, from the full list).
 */
export function commandsFor(args: readonly string[]): typeof COMMANDS {
  const first = args[0];
  if (first === '-v' || first === '--version') return [];
  const named = COMMANDS.find((c) => first !== undefined && c.names.includes(first));
  return named ? [named] : COMMANDS;
}

export async function main(argv: readonly string[], given?: Io): Promise<number> {
  const io = redactingIo(given ?? (await processIo()));
  let exit: number = ExitCode.OK;
  const setExit = (c: number) => {
    exit = c;
  };
  const program = new Command()
    .name('trustgate')
    .description('Decide whether a container image can be trusted.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    });
  const [node = 'node', script = 'trustgate', ...args] = argv;
  const registers = await Promise.all(commandsFor(args).map((c) => c.load()));
  for (const register of registers) register(program, io, setExit);
  addFalseForms(program);
  const redirect = stdoutRedirect(io);
  program.hook('preAction', (_program, action) => {
    const file = action.opts<{ outputFile?: string }>().outputFile;
    // extract writes the verified bytes themselves, not lines through io: its file is --output.
    if (file !== undefined && action.name() === 'extract')
      throw new UsageError('--output-file does not apply to extract: write the payload with --output FILE');
    redirect.start(file);
  });
  try {
    try {
      await program.parseAsync([node, script, ...expandBoolAssignments(program, args)]);
    } finally {
      await redirect.finish();
    }
    return exit;
  } catch (e) {
    // Commander has already printed its own usage message (or the help, or the version).
    if (!(e instanceof CommanderError)) io.err(`${io.errChalk.red('error:')} ${printable(cliMessage(e))}`);
    return exitCodeForError(e);
  }
}
