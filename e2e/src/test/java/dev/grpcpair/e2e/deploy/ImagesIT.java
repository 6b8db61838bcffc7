package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.e2e.docs.DocReplay;
import dev.grpcpair.e2e.docs.DocTranscript;
import dev.grpcpair.testing.Closer;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each server's image, started as the deployment starts it: read-only root, tmpfs for /tmp. */
class ImagesIT {

  @RegisterExtension final Closer closer = new Closer();

  @BeforeAll
  static void build() {
    Images.build();
  }

  @ParameterizedTest
  @CsvSource({"user-server, 9000, 100", "post-server, 9001, 100", "gateway, 8080, 100"})
  void image_isSmall_runsAsNonRootOnAReadOnlyRoot_answersHealth_andStopsGracefully(
      String name, int port, long maxMiB) throws Exception {
    String image = Images.of(name);
    long bytes = Long.parseLong(inspect(image, "{{.Size}}"));
    assertThat(bytes).as("image size").isLessThan(maxMiB << 20);
    assertThat(inspect(image, "{{.Config.User}}")).isEqualTo("10001:10001");
    assertThat(inspect(image, label("revision"))).matches("[0-9a-f]{40}|unknown");
    assertThat(inspect(image, label("version"))).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");

    long started = System.nanoTime();
    String container = Tools.runPublished(port, "--read-only", "--tmpfs=/tmp", image);
    closer.add(() -> Tools.ok("podman", "rm", "--force", container));
    ServingStatus status = health(name, container, port);
    long readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    System.out.printf(
        "%s: %.1f MiB, health answered %d ms after podman run%n",
        image, bytes / 1048576.0, readyMillis);

    assertThat(status).isEqualTo(ServingStatus.SERVING);
    assertThat(Tools.ok("podman", "top", container, "user")).contains("app");
    Tools.ok("podman", "stop", "--time=30", container);
    assertThat(Tools.ok("podman", "inspect", container, "--format={{.State.ExitCode}}"))
        .as("128 + SIGTERM, after the graceful stop")
        .isEqualTo("143");
    assertThat(Tools.ok("podman", "logs", container)).contains(name + " stopped");
  }

  /**
   * {@code deploy/Containerfile} as docs/deploy.md's {@code docker build} line builds each server's
   * image, run with podman: on a JRE image that here, without a registry, is the runtime of the
   * image above with {@code java} on the PATH, as a JRE image has it; tagged apart from the image
   * above.
   */
  @ParameterizedTest
  @CsvSource({"user-server, 9000", "post-server, 9001", "gateway, 8080"})
  void containerfile_buildsEachServersImageOnAJreImage_whichServesAndStops(String name, int port)
      throws Exception {
    String image = "localhost/grpc-pair-containerfile/" + name + ":" + Images.RUN;
    String documented =
        DocReplay.page("docs/deploy.md").stream()
            .map(DocTranscript::command)
            .filter(command -> command.startsWith("docker build"))
            .filter(command -> command.contains("--build-arg SERVER=" + name + " "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("docs/deploy.md builds no image of " + name));
    String build =
        documented
            .replace("docker build", "podman build --quiet --build-arg JRE_IMAGE=" + jreImage())
            .replace("localhost/grpc-pair/" + name + ":dev", image);
    assertThat(build).as("the page's tag, replaced").contains(image);
    Tools.ok("bash", "-c", build);
    closer.add(() -> Tools.ok("podman", "rmi", "--force", image));
    assertThat(inspect(image, "{{.Config.User}}")).isEqualTo("10001:10001");
    assertThat(inspect(image, label("title"))).isEqualTo(name);

    String container = Tools.runPublished(port, "--read-only", "--tmpfs=/tmp", image);
    closer.add(() -> Tools.ok("podman", "rm", "--force", container));
    assertThat(health(name, container, port)).isEqualTo(ServingStatus.SERVING);
    Tools.ok("podman", "stop", "--time=30", container);
    assertThat(Tools.ok("podman", "inspect", container, "--format={{.State.ExitCode}}"))
        .isEqualTo("143");
    assertThat(Tools.ok("podman", "logs", container)).contains(name + " stopped");
  }

  /**
   * How long a container may take to answer its first health check: 3-10 s after {@code podman run}
   * in a CI run, with every IT's processes and containers starting side by side on two cores. One
   * built from the Containerfile once refused connections for 30 s, the limit then; whether it was
   * still starting is what the failure's container state and log now say.
   */
  private static final Duration START = Duration.ofSeconds(60);

  private static final String JRE = "localhost/grpc-pair-containerfile/jre:" + Images.RUN;
  private static boolean jreBuilt;

  @AfterAll
  static void removeJreImage() {
    if (jreBuilt) {
      Tools.ok("podman", "rmi", JRE);
    }
  }

  /**
   * A JRE image made from the User server's (once per run): its runtime, with {@code java} on the
   * PATH.
   */
  private static synchronized String jreImage() throws Exception {
    if (jreBuilt) {
      return JRE;
    }
    Path containerfile = Files.createTempFile("jre", ".Containerfile");
    Files.writeString(containerfile, "FROM " + Images.USER + "\nENV PATH=/app/runtime/bin\n");
    Tools.ok(
        "podman",
        "build",
        "--quiet",
        "--file=" + containerfile,
        "--tag=" + JRE,
        containerfile.getParent().toString());
    Files.delete(containerfile);
    jreBuilt = true;
    return JRE;
  }

  /** {@code container}'s health on its published {@code port}, or what it did instead. */
  private ServingStatus health(String name, String container, int port) throws Exception {
    try {
      return health(name, Tools.publishedPort(container, port));
    } catch (RuntimeException | AssertionError e) {
      // Exited (and why), or still starting.
      throw new AssertionError(
          name
              + " answered no health check; the container is "
              + Tools.ok(
                  "podman", "inspect", container, "--format={{.State.Status}} {{.State.ExitCode}}")
              + ", its log:\n"
              + Tools.ok("podman", "logs", container),
          e);
    }
  }

  /**
   * The servers' gRPC health; the gateway's HTTP {@code /healthz}, which starts SERVING (it turns
   * 503 only after the grace period without a User server, which this container has none of).
   */
  private ServingStatus health(String name, int hostPort) throws Exception {
    if (!name.equals("gateway")) {
      return HealthGrpc.newBlockingStub(closer.channelTo(hostPort))
          .withWaitForReady()
          .withDeadlineAfter(START.toSeconds(), TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(HealthGrpc.SERVICE_NAME).build())
          .getStatus();
    }
    URI healthz = URI.create("http://localhost:" + hostPort + "/healthz");
    HttpClient http = HttpClient.newHttpClient();
    await()
        .atMost(START)
        .ignoreExceptions()
        .until(
            () ->
                http.send(HttpRequest.newBuilder(healthz).build(), BodyHandlers.ofString())
                        .statusCode()
                    == 200);
    return ServingStatus.SERVING;
  }

  private static String inspect(String image, String format) {
    return Tools.ok("podman", "image", "inspect", "--format=" + format, image);
  }

  private static String label(String name) {
    return "{{index .Labels \"org.opencontainers.image." + name + "\"}}";
  }
}
