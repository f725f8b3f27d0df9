/**
 * The command tree the stand-in answers: names, aliases, flags and argument counts as the real
 * CLI declares them (flags it accepts but does not model are parsed and ignored).
 */
import { cancel, login, logout, version, whoami } from "./cmd-backend";
import { configGet, configList, configRemove, configSet, configSetAll } from "./cmd-config";
import { destroy, preview, refresh, up } from "./cmd-operations";
import { stackInit, stackList, stackRemove, stackSelect, stackShow } from "./cmd-stack";
import { stackExport, stackHistory, stackImport, stackOutput } from "./cmd-stack-state";
import { bool, type Command, type FlagSpec, int, optStr, str, strs } from "./flags";

const ROOT_FLAGS: FlagSpec[] = [
  str("cwd", "C"),
  bool("emoji", "e"),
  bool("fully-qualify-stack-names", "Q"),
  bool("disable-integrity-checking"),
  bool("logflow"),
  bool("logtostderr"),
  bool("non-interactive"),
  str("tracing"),
  str("otel-traces"),
  str("profiling"),
  int("memprofilerate"),
  int("verbose", "v"),
  str("color"),
  str("tracing-header"),
];

/** Flags shared by preview, up, destroy and refresh. */
const ENGINE_FLAGS: FlagSpec[] = [
  str("stack", "s"),
  str("message", "m"),
  str("event-log"),
  str("exec-kind"),
  str("exec-agent"),
  str("client"),
  str("config-file"),
  strs("config", "c"),
  bool("config-path"),
  bool("copilot"),
  bool("neo"),
  bool("diff"),
  bool("debug", "d"),
  bool("json", "j"),
  int("parallel", "p"),
  bool("run-program"),
  bool("show-replacement-steps"),
  bool("show-sames"),
  bool("skip-config-validation"),
  bool("skip-plugin-pre-install"),
  bool("suppress-outputs"),
  bool("suppress-progress"),
  bool("target-dependents"),
  bool("urns"),
  str("suppress-permalink"),
  str("output"),
];

const UPDATE_FLAGS: FlagSpec[] = [
  ...ENGINE_FLAGS,
  optStr("refresh", "r"),
  bool("expect-no-changes"),
  bool("exclude-dependents"),
  bool("ignore-protect"),
  bool("neo-task-on-failure"),
  bool("show-config"),
  bool("show-full-output"),
  bool("show-policy-remediations"),
  bool("show-reads"),
  strs("attach-debugger"),
  strs("replace"),
  strs("target-replace"),
  strs("target", "t"),
  strs("policy-pack"),
  strs("policy-pack-config"),
];

const previewCmd: Command = {
  name: "preview",
  aliases: ["pre"],
  flags: [...UPDATE_FLAGS, strs("exclude", "x"), bool("show-secrets"), str("import-file"), str("save-plan")],
  run: preview,
};

const upCmd: Command = {
  name: "up",
  aliases: ["update"],
  flags: [
    ...UPDATE_FLAGS,
    strs("exclude"),
    bool("show-secrets"),
    bool("continue-on-error"),
    bool("strict"),
    bool("skip-preview", "f"),
    bool("yes", "y"),
    str("plan"),
    str("secrets-provider"),
  ],
  run: up,
};

const destroyCmd: Command = {
  name: "destroy",
  aliases: ["down", "dn"],
  flags: [
    ...ENGINE_FLAGS,
    optStr("refresh", "r"),
    bool("continue-on-error"),
    bool("exclude-protected"),
    bool("ignore-protect"),
    bool("preview-only"),
    bool("remove"),
    bool("show-config"),
    bool("show-full-output"),
    bool("skip-preview", "f"),
    bool("yes", "y"),
    strs("target", "t"),
    strs("exclude", "x"),
  ],
  run: destroy,
};

const refreshCmd: Command = {
  name: "refresh",
  flags: [
    ...ENGINE_FLAGS,
    bool("clear-pending-creates"),
    bool("exclude-dependents"),
    bool("expect-no-changes"),
    bool("preview-only"),
    bool("skip-pending-creates"),
    bool("skip-preview", "f"),
    bool("yes", "y"),
    strs("target", "t"),
    strs("exclude", "x"),
  ],
  run: refresh,
};

const stackName = str("stack", "s");
const jsonOutput = [bool("json", "j"), str("output")];

const stackCmd: Command = {
  name: "stack",
  flags: [stackName, bool("show-ids", "i"), bool("show-urns", "u"), bool("show-name"), bool("show-secrets")],
  args: { required: 0, max: 0 },
  run: stackShow,
  subcommands: [
    {
      name: "init",
      aliases: ["new", "create", "setup"],
      persistentFlags: [
        stackName,
        str("secrets-provider"),
        str("copy-config-from"),
        bool("no-select"),
        strs("teams"),
        bool("remote-config"),
        bool("yes", "y"),
      ],
      args: { required: 0, max: 1 },
      run: stackInit,
    },
    {
      name: "select",
      persistentFlags: [stackName, bool("create", "c"), str("secrets-provider")],
      args: { required: 0, max: 1 },
      run: stackSelect,
    },
    {
      name: "ls",
      aliases: ["list"],
      persistentFlags: [
        ...jsonOutput,
        bool("all", "a"),
        str("organization", "o"),
        str("project", "p"),
        str("tag", "t"),
      ],
      args: { required: 0, max: 0 },
      run: stackList,
    },
    {
      name: "rm",
      aliases: ["remove"],
      persistentFlags: [
        bool("force", "f"),
        bool("yes", "y"),
        stackName,
        bool("preserve-config"),
        bool("remove-backups"),
      ],
      args: { required: 0, max: 1 },
      run: stackRemove,
    },
    {
      name: "output",
      flags: [stackName, bool("json", "j"), bool("shell"), bool("show-secrets")],
      args: { required: 0, max: 1 },
      run: stackOutput,
    },
    {
      name: "history",
      aliases: ["hist"],
      flags: [stackName, bool("show-secrets"), ...jsonOutput, bool("full-dates"), int("page-size"), int("page")],
      args: { required: 0, max: 0 },
      run: stackHistory,
    },
    {
      name: "export",
      persistentFlags: [stackName, str("file"), str("version")],
      flags: [bool("show-secrets")],
      args: { required: 0, max: 0 },
      run: stackExport,
    },
    {
      name: "import",
      persistentFlags: [stackName, bool("force", "f"), str("file")],
      args: { required: 0, max: 0 },
      run: stackImport,
    },
  ],
};

const configCmd: Command = {
  name: "config",
  flags: [bool("show-secrets"), bool("open"), bool("json", "j")],
  persistentFlags: [stackName, str("config-file")],
  args: { required: 0, max: 0 },
  run: configList,
  subcommands: [
    {
      name: "get",
      flags: [bool("json", "j"), bool("open")],
      persistentFlags: [bool("path")],
      args: { required: 1, max: 1 },
      run: configGet,
    },
    {
      name: "set",
      persistentFlags: [bool("path"), bool("plaintext"), bool("secret"), str("type"), bool("raw")],
      args: { required: 1, max: 2 },
      run: configSet,
    },
    {
      name: "set-all",
      persistentFlags: [bool("path"), strs("plaintext"), strs("secret"), str("json")],
      args: { required: 0, max: 0 },
      run: configSetAll,
    },
    {
      name: "rm",
      aliases: ["remove", "delete"],
      persistentFlags: [bool("path")],
      args: { required: 1, max: 1 },
      run: configRemove,
    },
    {
      name: "rm-all",
      aliases: ["remove-all", "delete-all"],
      persistentFlags: [bool("path")],
      args: { required: 1, max: Infinity },
      run: configRemove,
    },
  ],
};

export const rootCommand: Command = {
  name: "pulumi",
  persistentFlags: ROOT_FLAGS,
  flags: [bool("version")],
  subcommands: [
    { name: "version", args: { required: 0, max: 0 }, run: version },
    {
      name: "login",
      persistentFlags: [
        str("cloud-url", "c"),
        str("default-org"),
        bool("local", "l"),
        bool("insecure"),
        bool("interactive"),
        str("oidc-token"),
        str("oidc-org"),
        str("oidc-team"),
        str("oidc-user"),
        str("oidc-expiration"),
      ],
      args: { required: 0, max: 1 },
      run: login,
    },
    {
      name: "logout",
      persistentFlags: [bool("all"), str("cloud-url", "c"), bool("local", "l")],
      args: { required: 0, max: 1 },
      run: logout,
    },
    {
      name: "whoami",
      persistentFlags: [...jsonOutput, bool("verbose", "v")],
      args: { required: 0, max: 0 },
      run: whoami,
    },
    { name: "cancel", persistentFlags: [bool("yes", "y"), stackName], args: { required: 0, max: 1 }, run: cancel },
    previewCmd,
    upCmd,
    destroyCmd,
    refreshCmd,
    stackCmd,
    configCmd,
  ],
};
