package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The server images, built once per test run with the documented command. */
final class Images {

  static final String USER = "localhost/grpc-pair/user-server:dev";
  static final String POST = "localhost/grpc-pair/post-server:dev";
  static final String GATEWAY = "localhost/grpc-pair/gateway:dev";

  private static boolean built;

  private Images() {}

  /**
   * Runs {@code build} alone among the image builds of this test run: they share the script's
   * working folder.
   */
  static synchronized <T> T alone(Supplier<T> build) {
    return build.get();
  }

  /** Builds the images from the jars {@code mvn package} made (skipped where podman is absent). */
  static synchronized void build() {
    Tools.assumeInstalled("podman", "buildah");
    if (built) {
      return;
    }
    Tools.Result result =
        Tools.run(
            Duration.ofMinutes(10), Map.of("SKIP_BUILD", "1"), List.of("deploy/build-images.sh"));
    assertThat(result.exitCode()).as(result.output()).isZero();
    System.out.println(result.output().strip());
    built = true;
  }
}
