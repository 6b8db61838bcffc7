package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.testing.Closer;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.TimeUnit;
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
  @CsvSource({Images.USER + ", 9000, user-server", Images.POST + ", 9001, post-server"})
  void image_isSmall_runsAsNonRootOnAReadOnlyRoot_answersHealth_andStopsWithZero(
      String image, int port, String name) {
    long bytes = Long.parseLong(inspect(image, "{{.Size}}"));
    assertThat(bytes).as("image size").isLessThan(100L << 20);
    assertThat(inspect(image, "{{.Config.User}}")).isEqualTo("10001:10001");
    assertThat(inspect(image, label("revision"))).matches("[0-9a-f]{40}|unknown");
    assertThat(inspect(image, label("version"))).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");

    long started = System.nanoTime();
    String container =
        Tools.ok(
            "podman",
            "run",
            "-d",
            "--read-only",
            "--tmpfs=/tmp",
            "--publish=127.0.0.1::" + port,
            image);
    closer.add(() -> Tools.ok("podman", "rm", "--force", container));
    ManagedChannel channel = closer.channelTo(Tools.publishedPort(container, port));
    ServingStatus status =
        HealthGrpc.newBlockingStub(channel)
            .withWaitForReady()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService(HealthGrpc.SERVICE_NAME).build())
            .getStatus();
    long readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    System.out.printf(
        "%s: %.1f MiB, health answered %d ms after podman run%n",
        image, bytes / 1048576.0, readyMillis);

    assertThat(status).isEqualTo(ServingStatus.SERVING);
    assertThat(Tools.ok("podman", "top", container, "user")).contains("app");
    Tools.ok("podman", "stop", "--time=30", container);
    assertThat(Tools.ok("podman", "inspect", container, "--format={{.State.ExitCode}}"))
        .isEqualTo("0");
    assertThat(Tools.ok("podman", "logs", container)).contains(name + " stopped");
  }

  private static String inspect(String image, String format) {
    return Tools.ok("podman", "image", "inspect", "--format=" + format, image);
  }

  private static String label(String name) {
    return "{{index .Labels \"org.opencontainers.image." + name + "\"}}";
  }
}
