package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grpcpair.e2e.MachineEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The deployment's command-line tools (podman, buildah, podman-compose, kubectl), run as a user
 * runs them from the project's root (or, for other tests' commands, from a folder they name). A
 * test needing one that is not installed is skipped with one line saying so; {@code .ci/run}
 * installs them all.
 */
public final class Tools {

  static final Path ROOT = Path.of(System.getProperty("projectRoot")).toAbsolutePath().normalize();

  /**
   * Podman's settings for hosts whose defaults fail (runc, ulimits, no systemd); a caller's own
   * {@code CONTAINERS_CONF} wins.
   */
  private static final Map<String, String> ENVIRONMENT =
      Map.of("CONTAINERS_CONF", containersConf().toString());

  /** The podman settings the tests use: the caller's {@code CONTAINERS_CONF}, or the project's. */
  static Path containersConf() {
    return Path.of(
        System.getenv().getOrDefault("CONTAINERS_CONF", ROOT + "/deploy/containers.conf"));
  }

  /** What a command printed (standard output and error together) and how it ended. */
  public record Result(int exitCode, String output) {}

  private Tools() {}

  /** Skips the calling test where any of {@code tools} is not on the PATH. */
  static void assumeInstalled(String... tools) {
    for (String tool : tools) {
      assumeTrue(
          onPath(tool),
          tool + " is not installed: skipping the container tests (.ci/run installs it)");
    }
  }

  private static boolean onPath(String tool) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }

  /** Runs {@code command} with {@code environment} added, waiting at most {@code timeout}. */
  static Result run(Duration timeout, Map<String, String> environment, List<String> command) {
    return run(ROOT, timeout, environment, command);
  }

  /** As {@link #run(Duration, Map, List)}, in {@code directory}. */
  public static Result run(
      Path directory, Duration timeout, Map<String, String> environment, List<String> command) {
    try {
      Path output = Files.createTempFile("tool", ".out");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      MachineEnvironment.keepOnly(builder.environment());
      builder.environment().putAll(ENVIRONMENT);
      builder.environment().putAll(environment);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
      String printed = Files.readString(output, StandardCharsets.UTF_8);
      Files.delete(output);
      return new Result(process.isAlive() ? -1 : process.exitValue(), printed);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code podman run -d} with {@code port} published on a free port of 127.0.0.1, which {@link
   * #publishedPort} tells; returns the container's id. podman picks the port before it binds it, so
   * a test binding port 0 at the same moment can take it first: that attempt is tried again.
   */
  static String runPublished(int port, String... options) {
    Result result = null;
    List<String> command = List.of();
    for (int attempt = 0; attempt < 3; attempt++) {
      // Named, so that a container created but not started can be removed.
      String name = "grpc-pair-it-" + UUID.randomUUID();
      command = new ArrayList<>(List.of("podman", "run", "-d", "--name=" + name));
      command.add("--publish=127.0.0.1::" + port);
      command.addAll(List.of(options));
      result = run(Duration.ofMinutes(5), Map.of(), command);
      if (result.exitCode() == 0 || !result.output().contains("address already in use")) {
        break;
      }
      run(Duration.ofMinutes(1), Map.of(), List.of("podman", "rm", "--force", name));
    }
    assertThat(result.exitCode()).as(String.join(" ", command) + ":\n" + result.output()).isZero();
    return result.output().strip();
  }

  /** The host port podman published {@code container}'s {@code port} on. */
  static int publishedPort(String container, int port) {
    String published = ok("podman", "port", container, String.valueOf(port));
    return Integer.parseInt(published.substring(published.lastIndexOf(':') + 1));
  }

  /**
   * A listing of podman's or buildah's storage ({@code podman images}, {@code podman ps}), as
   * {@link #ok}: asked again if an image or container went away while it was being read, which
   * podman reports as an error (another build on the machine removing its own).
   */
  static String listing(String... command) {
    Result result = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      result = run(Duration.ofMinutes(1), Map.of(), List.of(command));
      if (result.exitCode() == 0 || !result.output().contains(" not known")) {
        break;
      }
    }
    assertThat(result.exitCode()).as(String.join(" ", command) + ":\n" + result.output()).isZero();
    return result.output().strip();
  }

  /** Runs {@code command} and returns what it printed, failing the test if it fails. */
  static String ok(String... command) {
    Result result = run(Duration.ofMinutes(5), Map.of(), List.of(command));
    assertThat(result.exitCode()).as(String.join(" ", command) + ":\n" + result.output()).isZero();
    return result.output().strip();
  }
}
