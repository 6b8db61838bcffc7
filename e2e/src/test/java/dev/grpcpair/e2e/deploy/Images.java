package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.e2e.docs.DocReplay;
import dev.grpcpair.e2e.docs.DocTranscript;
import dev.grpcpair.e2e.docs.ShownOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The server images, built once per test run with the command docs/deploy.md shows. */
final class Images {

  /**
   * This build's name for what it makes in podman's storage (the images' tag, the compose project,
   * pods, networks), from the project's folder: builds of two clones on one machine never share
   * one, and neither touches the {@code dev} images a user built.
   */
  static final String RUN = String.format("it-%08x", Tools.ROOT.toString().hashCode());

  static final String USER = of("user-server");
  static final String POST = of("post-server");
  static final String GATEWAY = of("gateway");

  /**
   * Held by the tests whose containers get their names from a network's DNS (compose's, and the one
   * KubePlayIT makes): podman 4.3's one aardvark-dns serves every such network and reloads all of
   * them when a container on any starts or stops, and beside KubePlayIT's teardown a compose stack
   * came up whose gateway could not resolve {@code post}.
   */
  static final String NETWORK_DNS = "podman-network-dns";

  private static final String PAGE = "docs/deploy.md";

  private static boolean built;

  /** This build's image of {@code server}. */
  static String of(String server) {
    return "localhost/grpc-pair/" + server + ":" + RUN;
  }

  private Images() {}

  /**
   * Runs {@code build} alone among the image builds of this test run: they share the script's
   * working folder.
   */
  static synchronized <T> T alone(Supplier<T> build) {
    return build.get();
  }

  /**
   * Builds the images with docs/deploy.md's command, from the jars {@code mvn package} made
   * (skipped where podman is absent), and checks that it printed the lines the page shows (sizes
   * aside) and that the page's {@code podman images} lists the images it shows.
   */
  static synchronized void build() {
    Tools.assumeInstalled("podman", "buildah");
    if (built) {
      return;
    }
    // The page's command with its optional TAG argument: this build's.
    DocTranscript command = DocReplay.command(PAGE, "deploy/build-images.sh");
    Tools.Result result =
        Tools.run(
            Duration.ofMinutes(10),
            Map.of("SKIP_BUILD", "1"),
            List.of("bash", "-c", command.command() + " " + RUN));
    assertThat(result.exitCode()).as(result.output()).isZero();
    System.out.println(result.output().strip());
    // Built: a test that finds its output unlike the page's fails, the others use the images.
    built = true;
    Runtime.getRuntime().addShutdownHook(new Thread(Images::remove));
    // SKIP_BUILD=1: the build made the jars. Without Prometheus, the script builds no image of it.
    boolean prometheus = Files.isExecutable(Path.of("/usr/bin/prometheus"));
    assertThat(
            ShownOutput.linesMissing(
                withoutSizes(command.shown().replace(":dev", ":" + RUN)),
                withoutSizes(result.output())))
        .as("lines of %s%n--- it printed:%n%s", command, result.output())
        .allMatch(
            line ->
                line.contains("building the jars") || !prometheus && line.contains("prometheus"));

    DocTranscript listed = DocReplay.command(PAGE, "podman images");
    String images = Tools.listing("bash", "-c", listed.command());
    assertThat(repositoriesAndTags(images))
        .as("%s%n--- it printed:%n%s", listed, images)
        .containsAll(
            repositoriesAndTags(listed.shown().replace(" dev ", " " + RUN + " ")).stream()
                .filter(image -> prometheus || !image.contains("prometheus"))
                .toList());
  }

  /** Removes this build's images once its tests are done (those still in use stay). */
  private static void remove() {
    Tools.run(Duration.ofMinutes(1), Map.of(), List.of("podman", "rmi", USER, POST, GATEWAY));
  }

  private static String withoutSizes(String output) {
    return output.replaceAll("\\d+(\\.\\d+)? ?[kMG]B\\b", "SIZE");
  }

  /** The first two columns of {@code podman images}' rows. */
  private static List<String> repositoriesAndTags(String table) {
    return table
        .lines()
        .skip(1)
        .map(row -> row.split("\\s+"))
        .map(columns -> columns[0] + ":" + columns[1])
        .toList();
  }
}
