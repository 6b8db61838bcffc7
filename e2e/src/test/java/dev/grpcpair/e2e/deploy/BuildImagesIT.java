package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/build-images.sh} on a host where podman cannot start a container with the settings
 * it was given (docs/deploy.md): the limits podman asks for are refused, as on hosts whose defaults
 * ask for more open files than root may set.
 */
class BuildImagesIT {

  private static final String TAG = "refused-limits";

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
    // The script's working containers are the only ones made from scratch (podman build's, of
    // tests running beside this one, are made from their base images); no other build runs
    // meanwhile.
    List<String> fromScratch = new ArrayList<>();
    Tools.Result build =
        Images.alone(
            () -> {
              fromScratch.add(workingContainersFromScratch());
              Tools.Result result =
                  Tools.run(
                      Duration.ofMinutes(5),
                      Map.of("SKIP_BUILD", "1", "CONTAINERS_CONF", settings.toString()),
                      List.of("deploy/build-images.sh", TAG));
              fromScratch.add(workingContainersFromScratch());
              return result;
            });

    assertThat(build.exitCode()).as(build.output()).isEqualTo(1);
    assertThat(build.output())
        .contains("rlimit")
        .contains("podman could not start localhost/grpc-pair/user-server:" + TAG)
        .contains("with the settings in " + settings);
    assertThat(Tools.ok("podman", "ps", "--all", "--format={{.Image}}")).doesNotContain(TAG);
    assertThat(Tools.ok("podman", "images", "--format={{.Repository}}:{{.Tag}}"))
        .doesNotContain(TAG);
    assertThat(fromScratch.get(1)).as("buildah working containers").isEqualTo(fromScratch.get(0));
  }

  private static String workingContainersFromScratch() {
    return Tools.ok("buildah", "containers", "--format={{.ContainerName}} {{.ImageName}}")
        .lines()
        .filter(line -> line.endsWith(" scratch"))
        .sorted()
        .collect(Collectors.joining("\n"));
  }
}
