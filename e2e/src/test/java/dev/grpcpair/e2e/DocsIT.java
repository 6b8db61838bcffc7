package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.config.Flags;
import dev.grpcpair.e2e.docs.DocReplay;
import dev.grpcpair.e2e.docs.DocTranscript;
import dev.grpcpair.e2e.docs.ShownOutput;
import dev.grpcpair.gateway.GatewayConfig;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command the README and {@code docs/} show, run as shown, against servers started by the
 * docs' own commands, and compared with what the docs show under it ({@link DocReplay}). The
 * commands that need what a build cannot have here (a Kubernetes cluster, half an hour) or that
 * other tests run are listed in {@link #REPLAYED_ELSEWHERE} with the test that runs them; a command
 * in neither fails {@link #everyCommandInTheDocs_isReplayedHereOrByTheTestNamed()}.
 */
class DocsIT {

  /** The pages whose commands call the default pair (and gateway), in the order replayed. */
  private static final List<String> PAIR_PAGES =
      List.of(
          // First: its metrics count the calls made on that page only.
          "docs/observability.md",
          "README.md",
          "docs/calling.md",
          "docs/gateway.md",
          "docs/paging.md",
          "docs/streaming.md");

  /** How the pair of {@link #PAIR_PAGES} is started: the README's command, with a metrics port. */
  private static final String PAIR_COMMAND = "POST_ARGS=\"--metrics-port=9465";

  /**
   * The User calls' deadline of the servers this test starts, given by the environment as a user
   * could: the default of 2 s was outlasted by a first call to two cold JVMs on a machine running
   * another build beside this one. No page's output shows it.
   */
  private static final String USER_DEADLINE = "30s";

  /** The benchmark's command. */
  private static final String BENCH = "./run-pair.sh bench";

  /** replicas.md's Post server with grpc's channel events. */
  private static final String CHANNEL_EVENTS =
      "java -Dorg.slf4j.simpleLogger.log.io.grpc.ChannelLogger=debug";

  /** observability.md's pair with traces. */
  private static final String TRACED_PAIR = "OTEL_EXPORTER_OTLP_ENDPOINT=";

  /**
   * Commands replayed by other tests or not by a build, each with who runs it (by page and the
   * command's start).
   */
  private static final Map<String, String> REPLAYED_ELSEWHERE =
      Map.ofEntries(
          Map.entry("README.md: mvn -B verify", ".ci/run, on every submission"),
          Map.entry(
              "docs/deploy.md: deploy/build-images.sh",
              "Images.build runs it for the deploy ITs (its lines checked, sizes aside)"),
          Map.entry(
              "docs/deploy.md: podman images",
              "Images.build runs it (the images listed) after the build"),
          Map.entry("docs/deploy.md: mvn -B package", "the build itself"),
          Map.entry(
              "docs/deploy.md: docker build",
              "ImagesIT runs each line with podman build, on a JRE image of its own"),
          Map.entry("docs/deploy.md: podman-compose", "ComposeIT starts its stack with it"),
          Map.entry("docs/deploy.md: podman ps", "ComposeIT replays it (containers up)"),
          Map.entry("docs/deploy.md: curl -s localhost:8080", "ComposeIT replays it"),
          Map.entry("docs/deploy.md: grpcurl", "ComposeIT replays it"),
          Map.entry(
              "docs/deploy.md: curl -s localhost:9090",
              "ComposeIT replays it after 30 calls (a count per replica; numbers and times are"
                  + " the run's)"),
          Map.entry(
              "docs/deploy.md: kubectl",
              "no cluster here: ManifestsIT checks each against the manifests it acts on (and"
                  + " creates the Secret with --dry-run=client); KubePlayIT runs the base with"
                  + " podman kube play"),
          Map.entry(
              "docs/deploy.md: ./run-pair.sh certs certs",
              "ManifestsIT runs it, into a folder of its own, for the Secret"),
          Map.entry(
              "docs/limits.md: mvn -B -pl e2e -am test -Dtest=HostileInputFuzzTest",
              "every mvn verify runs HostileInputFuzzTest, with jqwik's default tries"),
          Map.entry("docs/paging.md: git worktree", "by hand, with ./run-pair.sh bench compare"),
          Map.entry(
              "docs/template.md: ./rename-project.sh",
              "RenamedProjectIT replays it, into a folder of its own"),
          Map.entry(
              "docs/template.md: cd ../acme-shop",
              "RenamedProjectIT builds the copy with every check and runs its end-to-end tests"
                  + " (its whole verify would double the build's time)"));

  @RegisterExtension final Closer closer = new Closer();

  private static final String RUN_PAIR = DocReplay.ROOT.resolve("run-pair.sh").toString();

  @TempDir Path bin;

  @Test
  void everyCommandInTheDocs_isReplayedHereOrByTheTestNamed() {
    Set<String> replayedHere = new HashSet<>(PAIR_PAGES);
    replayedHere.addAll(List.of("docs/configuration.md", "docs/security.md", "docs/replicas.md"));
    List<String> neither = new ArrayList<>();
    Set<String> elsewhereUsed = new HashSet<>();
    for (DocTranscript transcript : DocReplay.ALL) {
      String elsewhere = replayedElsewhere(transcript);
      if (elsewhere != null) {
        elsewhereUsed.add(elsewhere);
      } else if (!replayedHere.contains(transcript.page())) {
        neither.add(transcript.toString());
      }
    }
    assertThat(neither).as("commands in the docs that nothing replays").isEmpty();
    assertThat(REPLAYED_ELSEWHERE.keySet())
        .as("commands said to be replayed elsewhere that the docs no longer show")
        .isSubsetOf(elsewhereUsed);
  }

  /**
   * The README's quick start with a metrics port (configuration.md's {@code POST_ARGS} example),
   * then the pages that call a default pair, each command as shown.
   */
  @Test
  void pairPages_everyCommandPrintsWhatTheDocsShow() throws Exception {
    DocReplay replay = replay().port(9465, freePort());
    JarProcess pair =
        startPair(replay, DocReplay.command("docs/configuration.md", PAIR_COMMAND).command());

    List<DocTranscript> transcripts = new ArrayList<>();
    for (String page : PAIR_PAGES) {
      replayedHere(page).stream()
          .filter(transcript -> !transcript.command().equals("./run-pair.sh"))
          // Started by observabilityPage_tracedPair_saysWhereItsSpansGo.
          .filter(transcript -> !transcript.command().startsWith(TRACED_PAIR))
          // Checked by pagingPage_benchLines_takeOnlyOptionsTheBenchKnows.
          .filter(transcript -> !transcript.command().startsWith(BENCH))
          // Started by javaLines_startServersThatAnswerTheReadmesCalls.
          .filter(transcript -> !transcript.command().startsWith("java "))
          .forEach(transcripts::add);
    }
    replay.assertReplays(transcripts);
    // The README's start-up lines are those of a pair without metrics: the Post server's says
    // where its metrics are served when it serves them.
    assertThat(
            ShownOutput.linesMissing(
                replay.withPorts(DocReplay.command("README.md", "./run-pair.sh").shown()),
                pair.output().replaceAll(", metrics on port \\d+", "")))
        .as("the README's start-up lines, in:%n%s", pair.output())
        .isEmpty();
  }

  /**
   * The servers started by the README's and gateway.md's {@code java} lines instead of {@code
   * run-pair.sh}, each on a free port given by its environment ({@code PORT}, and the Post server's
   * {@code USER_TARGET}): the README's calls print what it shows.
   */
  @Test
  void javaLines_startServersThatAnswerTheReadmesCalls() throws Exception {
    DocReplay replay = replay();
    List<DocTranscript> javaLines = new ArrayList<>();
    for (String page : List.of("README.md", "docs/gateway.md")) {
      DocReplay.page(page).stream()
          .filter(t -> t.command().startsWith("java "))
          .forEach(javaLines::add);
    }
    assertThat(javaLines).hasSize(3);
    onFreePorts(
        replay,
        List.of(9000, 9001, 8080),
        () -> {
          Map<String, Map<String, String>> environments =
              Map.of(
                  "user-server.jar", Map.of("PORT", "" + replay.real(9000)),
                  "post-server.jar",
                      Map.of(
                          "PORT", "" + replay.real(9001),
                          "USER_TARGET", "localhost:" + replay.real(9000),
                          "USER_DEADLINE", USER_DEADLINE),
                  "gateway.jar",
                      Map.of("PORT", "" + replay.real(8080), "USER_DEADLINE", USER_DEADLINE));
          for (DocTranscript line : javaLines) {
            String command = replay.withPorts(line.command());
            String jar =
                environments.keySet().stream().filter(command::contains).findFirst().orElseThrow();
            closer.add(JarProcess.shell(command, environments.get(jar))).awaitPort();
          }
          return null;
        });

    replay.assertReplays(
        replayedHere("README.md").stream()
            .filter(transcript -> !javaLines.contains(transcript))
            .filter(transcript -> !transcript.command().equals("./run-pair.sh"))
            .toList());
  }

  /**
   * observability.md's traced pair, started as shown (the collector's port a free one): each server
   * and the gateway say where their spans go, as the page shows. TracingJarsIT follows the spans to
   * a collector.
   */
  @Test
  void observabilityPage_tracedPair_saysWhereItsSpansGo() throws Exception {
    DocReplay replay = replay().port(4317, freePort());
    JarProcess pair =
        startPair(replay, DocReplay.command("docs/observability.md", TRACED_PAIR).command());

    String shown =
        "no token required, traces to http://localhost:4317 (parentbased_traceidratio 1.0)";
    assertThat(
            String.join(
                " ",
                Files.readString(DocReplay.ROOT.resolve("docs/observability.md")).split("\\s+")))
        .contains(shown);
    // The gateway's line says it too, without the servers' token part.
    String spansGo = replay.withPorts(shown.substring(shown.indexOf("traces to")));
    assertThat(pair.output().lines().filter(line -> line.contains(spansGo)))
        .as("the start-up lines in:%n%s", pair.output())
        .hasSize(3);
  }

  /**
   * performance.md's "What was tried" is the bench's {@code tried.md}, which {@code bench full
   * --write-report} writes there: a bullet added to one page only would be lost at the next report.
   */
  @Test
  void performancePage_whatWasTried_isWhatTheBenchWrites() throws IOException {
    String page = Files.readString(DocReplay.ROOT.resolve("docs/performance.md"));
    String tried =
        Files.readString(
            DocReplay.ROOT.resolve("bench/src/main/resources/dev/grpcpair/bench/tried.md"));

    assertThat(page).contains("## What was tried\n\n" + tried.strip() + "\n\n");
  }

  /**
   * architecture.md's module list says where each of {@code common}'s classes lives, and names no
   * class the tree does not have: a class added, moved or removed without the page fails here.
   */
  @Test
  void architecturePage_namesEveryClassOfCommon_andOnlyClassesThatExist() throws IOException {
    String page = Files.readString(DocReplay.ROOT.resolve("docs/architecture.md"));
    String modules = page.substring(page.indexOf("## Modules"), page.indexOf("## One request"));
    Set<String> classes = new HashSet<>();
    try (Stream<Path> files = Files.walk(DocReplay.ROOT)) {
      files
          .filter(
              file -> file.toString().endsWith(".java") && !file.toString().contains("/target/"))
          .forEach(file -> classes.add(file.getFileName().toString().replace(".java", "")));
    }
    Set<String> commonClasses = new HashSet<>();
    try (Stream<Path> files = Files.walk(DocReplay.ROOT.resolve("common/src/main/java"))) {
      files
          .map(file -> file.getFileName().toString())
          .filter(name -> name.endsWith(".java") && !name.equals("package-info.java"))
          .forEach(name -> commonClasses.add(name.replace(".java", "")));
    }
    // Words of two or more capitalised parts are class names, but for a language's.
    Set<String> named = new HashSet<>();
    Matcher word = Pattern.compile("\\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\\b").matcher(modules);
    while (word.find()) {
      named.add(word.group());
    }
    named.remove("TypeScript");

    assertThat(commonClasses)
        .as("common's classes the page does not place")
        .allMatch(name -> Pattern.compile("\\b" + name + "\\b").matcher(modules).find());
    assertThat(named).as("names on the page that are no class of the tree").isSubsetOf(classes);
  }

  /**
   * configuration.md's table has a row for every flag of both servers, with the variable it falls
   * back to and, where the flag has one, its default: a flag added, renamed or given another
   * default without the page fails here. (The secrets' variables are hidden options; the page gives
   * them beside their files.)
   */
  @Test
  void configurationPage_listsEveryFlagWithItsVariableAndDefault() throws IOException {
    String page = Files.readString(DocReplay.ROOT.resolve("docs/configuration.md"));
    List<String[]> rows = new ArrayList<>();
    for (String line : page.lines().toList()) {
      String[] cells = line.split("\\|");
      if (cells.length >= 6 && cells[2].contains("`--")) {
        rows.add(cells);
      }
    }
    Set<String> missing = new TreeSet<>(); // the flags both servers take, once
    for (Flags.Checked config : List.of(new UserServerConfig(), new PostServerConfig())) {
      for (OptionSpec option : Flags.commandLine(config, Map.of()).getCommandSpec().options()) {
        if (option.hidden() || option.usageHelp() || option.versionHelp()) {
          continue;
        }
        String flag = option.longestName();
        String[] row =
            rows.stream()
                .filter(cells -> cells[2].contains("`" + flag + "`"))
                .findFirst()
                .orElse(null);
        if (row == null) {
          missing.add(flag + ": no row");
        } else if (!row[3].contains("`" + Flags.environmentName(flag) + "`")) {
          missing.add(flag + ": its variable " + Flags.environmentName(flag) + " not given");
        } else if (option.defaultValue() != null
            && !row[4].contains("`" + option.defaultValue() + "`")) {
          missing.add(flag + ": default `" + option.defaultValue() + "` not given");
        }
      }
    }

    // The gateway's own flags, in the page's prose about it: each named, with its default.
    String gateway = page.substring(page.indexOf("## The gateway"));
    for (OptionSpec option :
        Flags.commandLine(new GatewayConfig(), Map.of()).getCommandSpec().options()) {
      String flag = option.longestName();
      boolean inTheTable = rows.stream().anyMatch(cells -> cells[2].contains("`" + flag + "`"));
      if (option.hidden() || option.usageHelp() || option.versionHelp() || inTheTable) {
        continue;
      }
      if (!gateway.contains("`" + flag + "`")) {
        missing.add(flag + " (gateway): not named");
      } else if (option.defaultValue() != null
          && !gateway.contains("`" + option.defaultValue() + "`")) {
        missing.add(flag + " (gateway): default `" + option.defaultValue() + "` not given");
      }
    }

    assertThat(missing).as("configuration.md against the servers' flags").isEmpty();
  }

  /**
   * paging.md's benchmark lines, each with {@code --help} added: the bench checks every option
   * before it prints its usage, so a line it would refuse fails here. (A run takes 6 to 30 minutes
   * of the whole machine, and {@code BENCH_CALLS} shortens only the calls, not its hundreds of
   * {@code jstat} samples: by hand.)
   */
  @Test
  void pagingPage_benchLines_takeOnlyOptionsTheBenchKnows() throws Exception {
    DocReplay replay = replay();
    List<DocTranscript> lines =
        DocReplay.page("docs/paging.md").stream()
            .filter(transcript -> transcript.command().startsWith(BENCH))
            .toList();
    assertThat(lines).hasSizeGreaterThanOrEqualTo(3);
    for (DocTranscript line : lines) {
      String command = line.command().replaceAll("\\s+#.*", "") + " --help";
      DocReplay.Ran ran = replay.run("SKIP_BUILD=1 " + command);
      assertThat(ran.exitCode()).as("%s%n%s", command, ran.output()).isZero();
      // The script's help for a bare "bench --help", the bench's usage after options.
      assertThat(ran.output()).contains("./run-pair.sh bench [quick|full]");
    }
  }

  @Test
  void configurationPage_aBadValueIsOneLine() throws Exception {
    replay()
        .assertReplays(
            replayedHere("docs/configuration.md").stream()
                .filter(transcript -> !transcript.command().startsWith(PAIR_COMMAND))
                .toList());
  }

  /**
   * The secured pair: certificates made by {@code run-pair.sh certs} and the pair started by {@code
   * run-pair.sh secure}, both given a folder of the test's (the documented {@code DIR} argument),
   * and the page's commands run from the folder holding {@code certs/}.
   */
  @Test
  void securityPage_everyCommandPrintsWhatTheDocsShow(@TempDir Path work) throws Exception {
    Path certs = work.resolve("certs");
    DocReplay replay = replay().in(work);
    DocTranscript makeCerts = DocReplay.command("docs/security.md", "./run-pair.sh certs");
    DocTranscript startSecure = DocReplay.command("docs/security.md", "./run-pair.sh secure");
    assertThat(replay.run(makeCerts.command().replace("./run-pair.sh", RUN_PAIR) + " " + certs))
        .extracting(DocReplay.Ran::exitCode)
        .isEqualTo(0);
    JarProcess pair = startPair(replay, startSecure.command() + " " + certs);

    replay.assertReplays(
        replayedHere("docs/security.md").stream()
            .filter(transcript -> transcript != makeCerts && transcript != startSecure)
            .toList());

    String clientToken = Files.readString(certs.resolve("client.token")).strip();
    String postToUserToken = Files.readString(certs.resolve("post-to-user.token")).strip();
    assertThat(stopWithCtrlC(pair))
        .contains("user-server stopped", "post-server stopped", "mutual TLS")
        .contains("TlsHandshakeLog - a client's TLS handshake failed")
        .doesNotContain(clientToken, postToUserToken);
  }

  /**
   * Three User replicas and a Post server, started by the page's command lines; then the page's
   * second Post server, with grpc's channel events.
   */
  @Test
  void replicasPage_callsSpreadOverTheReplicas_andChannelEventsAreLogged() throws Exception {
    DocReplay replay = replay();
    List<DocTranscript> started = new ArrayList<>();
    DocTranscript withChannelEvents = DocReplay.command("docs/replicas.md", CHANNEL_EVENTS);
    started.add(withChannelEvents);
    for (DocTranscript line : DocReplay.page("docs/replicas.md")) {
      if (line.command().startsWith("java ") && !line.equals(withChannelEvents)) {
        started.add(line);
      }
    }
    assertThat(started).hasSize(5);
    onFreePorts(
        replay,
        List.of(9000, 9010, 9020, 9001),
        () -> {
          List<JarProcess> servers = new ArrayList<>();
          for (DocTranscript line : started.subList(1, started.size())) {
            // In the background ('&') as shown, but each one's output kept apart; the Post
            // server's port is its default, read from the environment here.
            String command = replay.withPorts(line.command()).replaceAll("\\s*&$", "");
            Map<String, String> env =
                command.contains("--port") ? Map.of() : Map.of("PORT", "" + replay.real(9001));
            servers.add(closer.add(JarProcess.shell(command, env)));
          }
          for (JarProcess server : servers) {
            server.awaitPort();
          }
          return null;
        });
    awaitConnectedToEveryReplica(replay.real(9001));
    replay.assertReplays(
        replayedHere("docs/replicas.md").stream().filter(t -> !started.contains(t)).toList());

    JarProcess post =
        closer.add(
            JarProcess.shell(
                replay.withPorts(withChannelEvents.command()), Map.of("PORT", "" + freePort())));
    post.awaitPort();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(post.output())
                    .contains(
                        "[DEBUG] ChannelLogger - [Channel<",
                        "Address resolved: [[[/127.0.0.1:" + replay.real(9000) + "]/{}], ",
                        "READY: health-check responded SERVING"));
  }

  /**
   * Calls the Post server until three calls in a row were answered by three User replicas: round
   * robin picks among the replicas it is connected to, and the page's even spread holds once that
   * is all three (as the page says).
   */
  private void awaitConnectedToEveryReplica(int postPort) {
    PostGrpc.PostBlockingStub posts = PostGrpc.newBlockingStub(closer.channelTo(postPort));
    List<String> replicas = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              try {
                // A call waits while the Post server's first connections are under way, which
                // four cold servers on a busy machine can stretch to seconds: the deadline leaves
                // room for that, and a call that outlives it has hung.
                replicas.add(Replicas.servedBy(posts, 20_000));
              } catch (StatusRuntimeException e) {
                // Started together, the Post server may have tried the replicas before they
                // listened: until it reaches one, its calls fail fast, as the page says.
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                return false;
              }
              return replicas.size() >= 3
                  && Set.copyOf(replicas.subList(replicas.size() - 3, replicas.size())).size() == 3;
            });
  }

  /** The key of {@link #REPLAYED_ELSEWHERE} that names {@code transcript}'s command, or null. */
  private static String replayedElsewhere(DocTranscript transcript) {
    return REPLAYED_ELSEWHERE.keySet().stream()
        .filter(key -> (transcript.page() + ": " + transcript.command()).startsWith(key))
        .findFirst()
        .orElse(null);
  }

  /** The commands of {@code page} that this test replays. */
  private static List<DocTranscript> replayedHere(String page) {
    return DocReplay.page(page).stream().filter(t -> replayedElsewhere(t) == null).toList();
  }

  private DocReplay replay() throws IOException {
    return closer.add(new DocReplay(bin));
  }

  /**
   * A {@code run-pair.sh} command of the docs, run as shown with the three servers on the free
   * ports {@code replay} reads as 9000, 9001 and 8080; returns once all three listen.
   */
  private JarProcess startPair(DocReplay replay, String command) throws Exception {
    return onFreePorts(
        replay,
        List.of(9000, 9001, 8080),
        () -> {
          JarProcess pair =
              closer.add(
                  JarProcess.shell(
                      replay.withPorts(command),
                      Map.of(
                          "SKIP_BUILD", "1",
                          "USER_PORT", "" + replay.real(9000),
                          "POST_PORT", "" + replay.real(9001),
                          "GATEWAY_PORT", "" + replay.real(8080),
                          "USER_DEADLINE", USER_DEADLINE)));
          pair.awaitListening(3);
          return pair;
        });
  }

  /**
   * Runs {@code start} with the ports {@code documented} read as free ones; again, on others, when
   * a server it started exited because one of them was taken before it bound it (by another test's
   * connection, say: the docs' commands take fixed ports, so the system cannot pick them).
   */
  private static <T> T onFreePorts(DocReplay replay, List<Integer> documented, Callable<T> start)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      for (int port : documented) {
        replay.port(port, freePort());
      }
      try {
        return start.call();
      } catch (TerminalFailureException exited) {
        if (attempt == 3 || !String.valueOf(exited.getCause()).contains("Address already in use")) {
          throw exited;
        }
      }
    }
  }

  /** Ctrl-C in the pair's terminal; returns all it printed once it exited 0. */
  private static String stopWithCtrlC(JarProcess pair) throws Exception {
    Process ctrlC = new ProcessBuilder("kill", "-INT", "--", "-" + pair.process.pid()).start();
    assertThat(ctrlC.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(pair.awaitExit()).as(pair.output()).isZero();
    return pair.output();
  }

  /**
   * A port free now, for a command whose ports the docs fix (a Post server's list of User
   * replicas): the system picks it, as for the servers tests start with port 0.
   */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
