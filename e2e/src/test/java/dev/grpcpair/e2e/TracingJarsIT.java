package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.TraceReceiver;
import dev.grpcpair.testing.TraceReceiver.Received;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The jars export their spans where the standard OpenTelemetry variables say, and a collector that
 * stops answering or goes away costs them nothing but the spans: calls go on being answered, and
 * the spans that do not fit the exporter's bounded queue are dropped and counted.
 */
class TracingJarsIT {

  private static final int QUEUE = 256;
  private static final Pattern METRICS_PORT = Pattern.compile("metrics on port (\\d+)");

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void bothJarsExportTheWholeTrace_andAStalledOrGoneCollectorNeitherFailsNorHoldsCalls()
      throws Exception {
    TraceReceiver receiver = closer.add(TraceReceiver.start());
    Map<String, String> env =
        Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            receiver.endpoint(),
            "OTEL_BSP_SCHEDULE_DELAY",
            "100",
            "OTEL_BSP_MAX_QUEUE_SIZE",
            Integer.toString(QUEUE),
            // Small batches and a long timeout: a stalled collector holds the exporter and one
            // batch for the whole of its phase, however slowly a busy machine makes the calls, so
            // that the queue must overflow. Closing the collector ends the stalled export at once.
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
            "64",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
            "120000",
            "METRICS_PORT",
            "0");
    JarProcess user =
        closer.add(
            JarProcess.start(List.of(), JarProcess.SHIPPED, "userServerJar", env, "--port=0"));
    int userPort = user.awaitPort();
    JarProcess post =
        closer.add(
            JarProcess.start(
                List.of(),
                JarProcess.SHIPPED,
                "postServerJar",
                env,
                "--port=0",
                "--user-target=localhost:" + userPort));
    int postPort = post.awaitPort();
    assertThat(post.output())
        .contains("traces to " + receiver.endpoint() + " (parentbased_traceidratio 1.0)");
    ManagedChannel channel = closer.add(Channels.localhost(postPort));
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-" + traceId + "-b7ad6b7169203331-01");

    // The first call of fresh JVMs can outlast the hedging delay on a busy machine: it warms up.
    PostGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build());
    PostGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build());

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              List<Received> trace = receiver.trace(traceId);
              assertThat(trace)
                  .extracting(Received::service, Received::name)
                  .containsOnly(
                      tuple("post-server", "v1.post.Post/ListPostsByUserId"),
                      tuple("post-server", "v1.user.User/GetUser"),
                      tuple("post-server", "Attempt.v1.user.User/GetUser"),
                      tuple("user-server", "v1.user.User/GetUser"))
                  .containsOnlyOnce(
                      tuple("post-server", "v1.post.Post/ListPostsByUserId"),
                      tuple("post-server", "v1.user.User/GetUser"));
              // One attempt, unless an answer still took over the hedging delay: each hedge
              // is an attempt of its own, and the User server's span under each that reached it.
              long attempts =
                  trace.stream()
                      .filter(span -> span.name().equals("Attempt.v1.user.User/GetUser"))
                      .count();
              assertThat(trace)
                  .filteredOn(span -> span.service().equals("user-server"))
                  .hasSizeBetween(1, (int) attempts);
            });

    // A collector that takes the exports and never answers, then one that is gone: each time the
    // calls are answered as before, and the spans past the bounded queue are dropped and counted.
    receiver.stall();
    double droppedWhileStalled = droppedAfterManyCalls(channel, post, 0);
    receiver.close();
    droppedAfterManyCalls(channel, post, droppedWhileStalled);

    // Each failed export (after the exporter's own retries, about 13 s) is one line with its
    // cause, not a stack trace: WARN is this project's line, the SDK's own is an ERROR.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> post.output().contains("GrpcExporter - Failed to export"));
    assertThat(post.output())
        .contains("[WARN] GrpcExporter - Failed to export")
        .doesNotContain("[ERROR] GrpcExporter")
        .doesNotContain("\tat ");
  }

  /**
   * Makes twice as many calls as the span queue holds (three spans a call on the Post server: it
   * overflows well before the last), each answered within 2 s; returns the spans the Post server
   * has dropped, which must be more than {@code before}.
   */
  private static double droppedAfterManyCalls(
      ManagedChannel channel, JarProcess post, double before) throws Exception {
    for (int i = 0; i < 2 * QUEUE; i++) {
      assertThat(
              PostGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(2, TimeUnit.SECONDS)
                  .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build())
                  .getPostMessagesCount())
          .isEqualTo(4);
    }
    String metrics = ObservabilityTest.scrape(metricsPort(post));
    double dropped = counter(metrics, "processedSpans_total\\{dropped=\"true\"[^}]*\\}");
    assertThat(dropped).as("spans dropped, not kept: %s", metrics).isGreaterThan(before);
    assertThat(counter(metrics, "queueSize\\{[^}]*\\}")).isLessThanOrEqualTo(QUEUE);
    return dropped;
  }

  private static int metricsPort(JarProcess jar) {
    Matcher matcher = METRICS_PORT.matcher(jar.output());
    assertThat(matcher.find()).as(jar.output()).isTrue();
    return Integer.parseInt(matcher.group(1));
  }

  private static double counter(String metrics, String series) {
    Matcher matcher = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(metrics);
    assertThat(matcher.find()).as("%s in %s", series, metrics).isTrue();
    return Double.parseDouble(matcher.group(1));
  }
}
