import { existsSync, readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

/** A Kubernetes configuration that cannot be used: no file, a bad file, an unknown context. */
export class KubeConfigError extends Error {
  override readonly name = "KubeConfigError";
}

export interface KubeConfigOptions {
  /** `--kubeconfig`: this file only. */
  readonly kubeconfig?: string | undefined;
  /** `--kube-context`: this context instead of the file's current one. */
  readonly context?: string | undefined;
  /** Where KUBECONFIG, HOME and the in-cluster variables are read from (the CLI passes its env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The service account's directory in a pod (tests point it elsewhere). */
  readonly serviceAccountDir?: string | undefined;
  /** Only the pod's service account: no kubeconfig file is looked for (`AUREA_KUBERNETES=in-cluster`). */
  readonly inCluster?: boolean;
  /** How messages name the settings: the CLI's flags by default, the server's variables. */
  readonly names?: KubeConfigNames;
}

/** How errors name the kubeconfig and context settings. */
interface KubeConfigNames {
  /** `--kubeconfig`, `AUREA_KUBECONFIG`. */
  readonly kubeconfig: string;
  /** `--kube-context`, `AUREA_KUBE_CONTEXT`. */
  readonly context: string;
  /** How to give a file: `--kubeconfig <file>`, `AUREA_KUBECONFIG=<file>`. */
  readonly giveFile: string;
}

const FLAG_NAMES: KubeConfigNames = {
  kubeconfig: "--kubeconfig",
  context: "--kube-context",
  giveFile: "--kubeconfig <file>",
};

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * What `KubeConfig.loadFromCluster` builds, from the given env rather than process.env: the API
 * server's service address, the service account's CA, and its token file (re-read on every
 * request, so a rotated token is picked up).
 */
function inCluster(config: KubeConfig, env: KubeConfigOptions["env"], dir: string) {
  const host = env.KUBERNETES_SERVICE_HOST as string;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  const namespaceFile = join(dir, "namespace");
  config.loadFromOptions({
    clusters: [
      {
        name: "inCluster",
        server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
        caFile: join(dir, "ca.crt"),
        skipTLSVerify: false,
      },
    ],
    users: [
      {
        name: "inClusterUser",
        authProvider: { name: "tokenFile", config: { tokenFile: join(dir, "token") } },
      },
    ],
    contexts: [
      {
        name: "inClusterContext",
        cluster: "inCluster",
        user: "inClusterUser",
        ...(existsSync(namespaceFile) ? { namespace: readFileSync(namespaceFile, "utf8").trim() } : {}),
      },
    ],
    currentContext: "inClusterContext",
  });
}

/**
 * The configuration kubectl would use: `--kubeconfig`, else the files of KUBECONFIG (merged, the
 * first one's current context winning, as kubectl does), else ~/.kube/config, else the pod's
 * service account when running in a cluster (with `inCluster`, only that). Then `--kube-context`
 * picks the context; `names` says how messages call the two settings. Unlike
 * `KubeConfig.loadFromDefault`, this never falls back to an unauthenticated localhost:8080.
 */
export function loadKubeConfig(options: KubeConfigOptions): { config: KubeConfig; source: string } {
  const config = new KubeConfig();
  const { env } = options;
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const names = options.names ?? FLAG_NAMES;
  let source: string;
  const fromFile = (target: KubeConfig, file: string, what: string) => {
    if (!existsSync(file)) throw new KubeConfigError(`${what} ${file} does not exist`);
    try {
      target.loadFromFile(file);
    } catch (error) {
      throw new KubeConfigError(`${what} ${file} cannot be read: ${(error as Error).message}`);
    }
  };
  const files = (env.KUBECONFIG ?? "").split(delimiter).filter((f) => f.length > 0);
  const home = env.HOME ? join(env.HOME, ".kube", "config") : undefined;
  if (options.inCluster) {
    if (!env.KUBERNETES_SERVICE_HOST)
      throw new KubeConfigError("in-cluster: KUBERNETES_SERVICE_HOST is not set (not running in a pod?)");
    if (!existsSync(join(saDir, "token")))
      throw new KubeConfigError(
        `in-cluster: no service account token at ${join(saDir, "token")} (automountServiceAccountToken: false?)`,
      );
    inCluster(config, env, saDir);
    source = "in-cluster service account";
  } else if (options.kubeconfig) {
    fromFile(config, options.kubeconfig, names.kubeconfig);
    source = options.kubeconfig;
  } else if (files.length > 0) {
    fromFile(config, files[0] as string, "KUBECONFIG's");
    for (const file of files.slice(1)) {
      const next = new KubeConfig();
      fromFile(next, file, "KUBECONFIG's");
      try {
        config.mergeConfig(next, true);
      } catch (error) {
        throw new KubeConfigError(`KUBECONFIG's ${file}: ${(error as Error).message}`);
      }
    }
    source = `KUBECONFIG=${files.join(delimiter)}`;
  } else if (home && existsSync(home)) {
    fromFile(config, home, "the kubeconfig");
    source = home;
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(join(saDir, "token"))) {
    inCluster(config, env, saDir);
    source = "in-cluster service account";
  } else
    throw new KubeConfigError(
      `no Kubernetes configuration: give ${names.giveFile}, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account`,
    );

  if (options.context) {
    const contexts = config.getContexts().map((c) => c.name);
    if (!contexts.includes(options.context))
      throw new KubeConfigError(
        `${names.context} "${options.context}" is not in ${source} (contexts: ${contexts.join(", ") || "none"})`,
      );
    config.setCurrentContext(options.context);
  }
  const context = config.getCurrentContext();
  if (!context || !config.getContextObject(context))
    throw new KubeConfigError(`${source} has no current context: give ${names.context}`);
  const cluster = config.getCurrentCluster();
  if (!cluster?.server)
    throw new KubeConfigError(`context "${context}" in ${source} names no cluster server`);
  if (cluster.server.startsWith("http:") && !cluster.skipTLSVerify)
    throw new KubeConfigError(
      `cluster "${cluster.name}" is plain HTTP (${cluster.server}): client-node only allows that with insecure-skip-tls-verify: true`,
    );
  return { config, source };
}
