// A rendered pod template of the chart as `podman run` arguments, as a kubelet
// would start it: the container's image, command and args; its env with
// secretKeyRef read from the rendered Secrets and $(VAR) expanded as Kubernetes
// does; ConfigMap volumes as read-only folders; emptyDirs as folders the pod's
// fsGroup owns; hostPath volumes; runAsUser/runAsGroup, readOnlyRootFilesystem,
// capabilities and allowPrivilegeEscalation. It does not schedule, probe or
// restart: the test does what it needs of that. Network: options.network (podman's --network).

import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type Manifest = {
  kind: string;
  metadata: { name: string };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests, read field by field
  spec?: any;
  data?: Record<string, string>;
};

export interface PodmanRun {
  /** Arguments after `podman run`. */
  readonly args: string[];
  /** The container's environment as the kubelet gives it (for the test's own checks). */
  readonly env: Record<string, string>;
}

/** Kubernetes' $(VAR) expansion: variables defined earlier in the list; $$ escapes. */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name?: string) =>
    name === undefined ? "$" : (env[name] ?? whole),
  );
}

export function podmanRunArgs(
  // biome-ignore lint/suspicious/noExplicitAny: a pod template spec
  pod: any,
  objects: readonly Manifest[],
  options: { name: string; workDir: string; network: string; extraEnv?: Record<string, string> },
): PodmanRun {
  const [container] = pod.containers;
  const secrets = new Map(
    objects.filter((o) => o.kind === "Secret").map((o) => [o.metadata.name, o.data ?? {}]),
  );
  const configMaps = new Map(
    objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o.data ?? {}]),
  );

  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.valueFrom?.secretKeyRef) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      const data = secrets.get(name);
      if (data?.[key] === undefined) throw new Error(`${options.name}: Secret ${name} has no key ${key}`);
      env[variable.name] = Buffer.from(data[key]!, "base64").toString("utf8");
    } else env[variable.name] = expand(variable.value ?? "", env);
  }
  Object.assign(env, options.extraEnv ?? {});

  const podSecurity = pod.securityContext ?? {};
  const security = container.securityContext ?? {};
  const uid = security.runAsUser ?? podSecurity.runAsUser;
  const gid = security.runAsGroup ?? podSecurity.runAsGroup;
  const args = ["--name", options.name, "--network", options.network];
  if (uid !== undefined) args.push("--user", `${uid}:${gid ?? uid}`);
  if (security.readOnlyRootFilesystem) args.push("--read-only");
  for (const cap of security.capabilities?.drop ?? []) args.push("--cap-drop", cap);
  for (const cap of security.capabilities?.add ?? []) args.push("--cap-add", cap);
  if (security.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");

  const volumes = new Map<string, string>();
  for (const volume of pod.volumes ?? []) {
    const dir = join(options.workDir, volume.name);
    if (volume.configMap) {
      mkdirSync(dir, { recursive: true });
      const data = configMaps.get(volume.configMap.name);
      if (!data) throw new Error(`${options.name}: no ConfigMap ${volume.configMap.name}`);
      for (const [file, text] of Object.entries(data)) writeFileSync(join(dir, file), text);
      volumes.set(volume.name, dir);
    } else if (volume.emptyDir) {
      mkdirSync(dir, { recursive: true });
      if (podSecurity.fsGroup !== undefined) chownSync(dir, uid ?? 0, podSecurity.fsGroup);
      volumes.set(volume.name, dir);
    } else if (volume.hostPath) volumes.set(volume.name, volume.hostPath.path);
    else throw new Error(`${options.name}: volume ${volume.name} of a kind this runner does not start`);
  }
  for (const mount of container.volumeMounts ?? []) {
    const source = volumes.get(mount.name);
    if (!source) throw new Error(`${options.name}: mount of unknown volume ${mount.name}`);
    args.push("--volume", `${source}:${mount.mountPath}${mount.readOnly ? ":ro" : ""}`);
  }
  for (const [name, value] of Object.entries(env)) args.push("--env", `${name}=${value}`);
  const command: string[] = container.command ?? [];
  if (command.length > 0) args.push("--entrypoint", command[0]!);
  args.push(container.image, ...command.slice(1), ...(container.args ?? []));
  return { args, env };
}
