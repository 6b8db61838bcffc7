package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/build-images.sh} on a host where podman cannot start a container with the settings
 * it was given (docs/deploy.md): the limits podman asks for are refused, as on hosts whose defaults
 * ask for more open files than root may set.
 */
class BuildImagesIT {

  private static final String TAG = "refused-limits-" + Images.RUN;

  @Test
  void aBuildPodmanCannotRun_saysWhichSettingsItGave_andLeavesNothingBehind(@TempDir Path dir)
      throws Exception {
    // After the images the other tests use, so that this build never holds theirs up.
    Images.build();
    Path settings = dir.resolve("containers.conf");
    Files.writeString(
        settings,
        Files.readString(Tools.ROOT.resolve("deploy/containers.conf"))
            .replaceAll(
                "default_ulimits = .*", "default_ulimits = [\"nofile=1073741816:1073741816\"]"));
    Tools.Result build =
        Images.alone(
            () ->
                Tools.run(
                    Duration.ofMinutes(5),
                    Map.of("SKIP_BUILD", "1", "CONTAINERS_CONF", settings.toString()),
                    List.of("deploy/build-images.sh", TAG)));

    assertThat(build.exitCode()).as(build.output()).isEqualTo(1);
    assertThat(build.output())
        .contains("rlimit")
        .contains("podman could not start localhost/grpc-pair/user-server:" + TAG)
        .contains("with the settings in " + settings);
    assertThat(Tools.listing("podman", "ps", "--all", "--format={{.Image}}")).doesNotContain(TAG);
    assertThat(Tools.listing("podman", "images", "--format={{.Repository}}:{{.Tag}}"))
        .doesNotContain(TAG);
    // The script names its working containers after what they build and the tag.
    assertThat(Tools.listing("buildah", "containers", "--format={{.ContainerName}}"))
        .as("buildah working containers")
        .doesNotContain(TAG);
  }
}
