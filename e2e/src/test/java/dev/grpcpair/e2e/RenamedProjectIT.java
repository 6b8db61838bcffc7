package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.e2e.deploy.Tools;
import dev.grpcpair.e2e.docs.DocReplay;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rename-project.sh} as docs/template.md has a user run it: the copy names neither this
 * project nor its package anywhere, builds with every check of its build (formatting, dependency
 * analysis), passes the end-to-end tests, and its User server answers this project's clients (the
 * wire contract does not change).
 */
class RenamedProjectIT {

  private static final Path ROOT = Path.of(System.getProperty("projectRoot")).toAbsolutePath();

  @RegisterExtension final Closer closer = new Closer();
  @TempDir Path work;

  @Test
  void aRenamedCopy_namesOnlyItself_buildsPassesItsTestsAndServesTheSameContract()
      throws Exception {
    Path copy = work.resolve("acme-shop");

    // The page's command, with the copy in a folder of the test's.
    String renamed =
        run(
            ROOT,
            "bash",
            "-c",
            DocReplay.command("docs/template.md", "./rename-project.sh")
                .command()
                .replace("../acme-shop", copy.toString()));

    assertThat(renamed).contains("named acme-shop, package com.acme.shop");
    assertThat(leftovers(copy)).as("paths or files still naming the original").isEmpty();
    assertThat(copy.resolve("rename-project.sh")).as("the template's own tool").doesNotExist();
    assertThat(copy.resolve("common/src/main/java/com/acme/shop/common/server")).isDirectory();
    assertThat(Files.readString(copy.resolve("deploy/compose.yaml")))
        .contains("name: acme-shop")
        .contains("image: localhost/acme-shop/user-server:");

    String built =
        run(
            copy,
            "mvn",
            "-B",
            "-o",
            "-q",
            "verify",
            "-DskipITs",
            "-Djazzer.fuzz=",
            "-Dtest=PairEndToEndTest",
            "-Dsurefire.failIfNoSpecifiedTests=false");
    assertThat(built).containsPattern("Tests in 1 modules: [1-9][0-9]* run, 0 failures, 0 errors");

    JarProcess users =
        closer.add(
            JarProcess.start(
                List.of(),
                JarProcess.SHIPPED,
                copy.resolve("user-server/target/user-server.jar"),
                Map.of(),
                "--port=0"));
    assertThat(users.output()).doesNotContain("grpcpair");
    ManagedChannel channel = closer.add(Channels.localhost(users.awaitPort()));
    assertThat(
            UserGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getUser(GetUserRequest.newBuilder().setUserId("1").build())
                .getUserMessage()
                .getName())
        .isEqualTo("Henry");
  }

  /** Files whose path or text still says grpcpair or grpc-pair. */
  private static List<String> leftovers(Path copy) throws IOException {
    try (Stream<Path> files = Files.walk(copy)) {
      return files
          .filter(Files::isRegularFile)
          .filter(file -> names(copy.relativize(file).toString()) || names(text(file)))
          .map(file -> copy.relativize(file).toString())
          .toList();
    }
  }

  private static boolean names(String text) {
    return text.contains("grpcpair") || text.contains("grpc-pair");
  }

  private static String text(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code command} in {@code directory}; asserts that it succeeds and returns its output. */
  private static String run(Path directory, String... command) {
    Tools.Result result = Tools.run(directory, Duration.ofMinutes(5), Map.of(), List.of(command));
    assertThat(result.exitCode())
        .as("%s exited 0 in 5 minutes; it printed:%n%s", String.join(" ", command), result.output())
        .isZero();
    return result.output();
  }
}
