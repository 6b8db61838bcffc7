package dev.grpcpair.e2e;

import java.util.Map;
import java.util.Set;

/**
 * The environment of the processes tests start (the jars, run-pair.sh, podman, Maven): the
 * machine's own variables only. A developer's shell may export what the servers and scripts read
 * ({@code METRICS_PORT}, {@code AUTH_TOKENS}, {@code TLS_CERT}, {@code OTEL_*}, {@code TAG}, ...);
 * none of it reaches them, so the tests pass in any shell, each one giving what it means to.
 */
public final class MachineEnvironment {

  private static final Set<String> KEPT =
      Set.of(
          "PATH",
          "HOME",
          "USER",
          "LOGNAME",
          "LANG",
          "LC_ALL",
          "TMPDIR",
          "XDG_RUNTIME_DIR",
          "JAVA_HOME",
          "MAVEN_OPTS",
          "CONTAINERS_CONF");

  private MachineEnvironment() {}

  /** Removes from {@code environment} (a {@link ProcessBuilder}'s) all but the machine's. */
  public static void keepOnly(Map<String, String> environment) {
    environment.keySet().retainAll(KEPT);
  }
}
