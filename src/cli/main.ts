/** The CLI: a thin layer of argument parsing and rendering over library calls. */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { printable } from '../util/printable.js';
import { VERSION } from '../version.js';
import { addFalseForms, expandBoolAssignments } from './bool-flag.js';
import { registerAttestations } from './commands/attestations.js';
import { registerExport } from './commands/export.js';
import { registerExtract } from './commands/extract.js';
import { registerPin } from './commands/pin.js';
import { registerPolicy } from './commands/policy.js';
import { registerResolve } from './commands/resolve.js';
import { registerVerify } from './commands/verify.js';
import { registerVerifyAttestation } from './commands/verify-attestation.js';
import { registerVerifyBundle } from './commands/verify-bundle.js';
import { registerVerifySlsa } from './commands/verify-slsa.js';
import { registerVerifyVsa } from './commands/verify-vsa.js';
import { exitCodeForError } from './exit-codes.js';
import { cliMessage } from './flags.js';
import { type Io, processIo, redactingIo } from './output.js';
import { stdoutRedirect } from './output-file.js';

export async function main(argv: readonly string[], given: Io = processIo()): Promise<number> {
  const io = redactingIo(given);
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
  registerResolve(program, io, setExit);
  registerVerify(program, io, setExit);
  registerVerifyAttestation(program, io, setExit);
  registerExtract(program, io, setExit);
  registerAttestations(program, io, setExit);
  registerExport(program, io, setExit);
  registerVerifyBundle(program, io, setExit);
  registerVerifySlsa(program, io, setExit);
  registerVerifyVsa(program, io, setExit);
  registerPolicy(program, io, setExit);
  registerPin(program, io, setExit);
  addFalseForms(program);
  const redirect = stdoutRedirect(io);
  program.hook('preAction', (_program, action) => {
    redirect.start(action.opts<{ outputFile?: string }>().outputFile);
  });
  try {
    const [node = 'node', script = 'trustgate', ...args] = argv;
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
