package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.common.observability.ServedByInterceptor;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.HealthWatch;
import dev.grpcpair.testing.Reflection;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GrpcServerTest {

  @RegisterExtension final Closer closer = new Closer();
  private GrpcServer server;
  private ManagedChannel channel;

  private void startOnEphemeralPort(GrpcServerBuilder builder) throws IOException {
    server = closer.add(builder.start());
    channel = closer.channelTo(server.port());
  }

  @Test
  void start_portZero_listensOnARealPort() throws IOException {
    startOnEphemeralPort(GrpcServer.builder("test", 0, ServerFlags.parse()));

    assertThat(server.port()).isPositive();
  }

  @Test
  void start_reportsOverallHealthServing() throws IOException {
    startOnEphemeralPort(GrpcServer.builder("test", 0, ServerFlags.parse()));

    HealthCheckResponse response =
        HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());

    assertThat(response.getStatus()).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void start_servesBothReflectionVersionsAndHealth() throws Exception {
    startOnEphemeralPort(GrpcServer.builder("test", 0, ServerFlags.parse()));

    assertThat(Reflection.listServices(channel))
        .contains(
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");
  }

  @Test
  void start_portInUse_failsNamingThePort() throws IOException {
    try (ServerSocket taken = new ServerSocket(0)) {
      assertThatThrownBy(
              () -> GrpcServer.builder("test", taken.getLocalPort(), ServerFlags.parse()).start())
          .isInstanceOf(IOException.class)
          .hasMessageContaining("cannot listen on port " + taken.getLocalPort());
    }
  }

  @Test
  void stop_reportsNotServingToWatchersAsSoonAsItBegins() throws Exception {
    startOnEphemeralPort(GrpcServer.builder("test", 0, ServerFlags.parse("--shutdown-grace=1s")));
    HealthWatch watch = HealthWatch.open(channel);
    assertThat(watch.nextStatus(Duration.ofSeconds(5))).isEqualTo(ServingStatus.SERVING);

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(this::stopQuietly);

    assertThat(watch.nextStatus(Duration.ofSeconds(5))).isEqualTo(ServingStatus.NOT_SERVING);
    stopping.get(10, TimeUnit.SECONDS);
  }

  @Test
  void stop_endsHealthWatchesInsteadOfWaitingOutTheGrace() throws Exception {
    startOnEphemeralPort(GrpcServer.builder("test", 0, ServerFlags.parse("--shutdown-grace=5m")));
    CompletableFuture<Status> watchEnded = watchUntilEnd(channel);

    // A five-minute grace: only ending the watch lets this return in time.
    CompletableFuture.runAsync(this::stopQuietly).get(30, TimeUnit.SECONDS);

    assertThat(watchEnded.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void maxConnectionAge_closesOldConnections() throws Exception {
    startOnEphemeralPort(
        GrpcServer.builder(
            "test",
            0,
            ServerFlags.parse("--max-connection-age=300ms", "--max-connection-age-grace=200ms")));

    // A watch never ends by itself: the server ends it once the connection is old enough.
    assertThat(watchUntilEnd(channel).get(30, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void responses_nameTheReplica() throws Exception {
    startOnEphemeralPort(GrpcServer.builder("test", 0, ServerFlags.parse("--replica-name=user-a")));
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();

    HealthGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
        .check(HealthCheckRequest.getDefaultInstance());

    assertThat(headers.get().get(ServedByInterceptor.SERVED_BY)).isEqualTo("user-a");
    assertThat(server.replicaName()).isEqualTo("user-a");
  }

  @Test
  void replicaName_defaultsToNameAndPort() throws Exception {
    startOnEphemeralPort(GrpcServer.builder("test", 0, ServerFlags.parse()));

    assertThat(server.replicaName()).isEqualTo("test:" + server.port());
  }

  private void stopQuietly() {
    try {
      server.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A watch of the server's health that has seen its first status, and so is open. */
  private static CompletableFuture<Status> watchUntilEnd(ManagedChannel channel)
      throws InterruptedException {
    HealthWatch watch = HealthWatch.open(channel);
    assertThat(watch.nextStatus(Duration.ofSeconds(5))).isNotNull();
    return watch.ended();
  }

  @Test
  void stop_refusesNewCallsAndClosesOwnedResourcesOnce() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    startOnEphemeralPort(
        GrpcServer.builder("test", 0, ServerFlags.parse())
            .closeOnStop(() -> assertThat(closed.getAndSet(true)).as("closed twice").isFalse()));

    server.stop();
    server.stop();

    assertThat(closed).isTrue();
    assertThat(server.isStopping()).isTrue();
    assertThatThrownBy(
            () ->
                HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }
}
