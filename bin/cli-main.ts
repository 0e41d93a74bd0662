// What every vigil entry point shares: the usage text, and turning a command's exit code or an
// unexpected failure into the process's exit (one clear line, no stack trace). bin/vigil.ts
// dispatches every command from the sources; bin/hub-cli.ts is the prebuilt bundle of the hub
// commands (status, silence, report) that bin/vigil runs when it is fresh.
export const USAGE = `vigil: monitoring and alerting as code for DigitalOcean droplets

usage:
  vigil validate <spec>...                      check specs (exit 1 with file:line:col path: message)
  vigil render <spec> --out DIR                 write every host's files and plan.json under DIR
  vigil plan <spec>... [--json]                 the cloud resources pulumi up would create (offline;
                                                several specs: checked together as one account)
  vigil check <spec> [--policy-config FILE]     the policy pack, offline (exit 1 on mandatory violations)
  vigil test <spec> [TESTS.yml...]              promtool tests of the generated alert rules
                                                (default: <env>.tests.yml beside the spec)
  vigil apply <spec> --host NAME --target ssh://USER@ADDR:PORT [--identity FILE]
                                                apply one host's plan over SSH
  vigil local up [<spec>] | down | status | ssh [HOST] [-- CMD]
                                                local Debian 12 containers as the target hosts
                                                (several hosts: one each on a private bridge)
  vigil status <spec> [--json] [HUB]            firing alerts, down targets, SLO budgets, uptime,
                                                maintenance (exit 0 ok, 1 critical firing, 2 no hub)
  vigil silence add <spec> (--host H | --alert A | --match k=v)... --for 2h --comment TEXT [HUB]
  vigil silence list <spec> [--json] [HUB] | expire <spec> ID [HUB]
                                                Alertmanager silences
  vigil report <spec> --out DIR [HUB]           a static HTML status page: uptime, SLOs, incidents

HUB is --target ssh://USER@ADDR[:PORT] (repeat for a pair) or --stack NAME (the hubs of that
Pulumi stack's hosts output), [--identity FILE]; without either, the hub of the running
\`vigil local up\` of that spec.

Secrets for the offline commands come from VIGIL_SECRET_<NAME> (upper snake case).`;

export type Command = (argv: string[]) => Promise<number>;

export function runCli(commands: Record<string, () => Promise<Command>>, argv: string[]): void {
  main(commands, argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Bad input is reported by the commands themselves; this is for the unexpected, and still
      // one line without a stack trace unless VIGIL_DEBUG asks for it.
      console.error(`vigil: ${err instanceof Error ? err.message : String(err)}`);
      if (process.env.VIGIL_DEBUG) console.error(err);
      process.exitCode = 1;
    },
  );
}

async function main(commands: Record<string, () => Promise<Command>>, argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(USAGE);
    return name === undefined ? 1 : 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`vigil: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  return (await load())(rest);
}
