package dev.grpcpair.e2e;

import static dev.grpcpair.testing.TestCertificates.SERVER_AUTHORITY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.common.security.BearerTokenCredentials;
import dev.grpcpair.common.security.ReloadingTls;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.testing.SeedPosts;
import dev.grpcpair.testing.TestCertificates;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pair secured, over Netty: callers reach the Post server over TLS with a token; the Post
 * server reaches the User server over mutual TLS with a token of its own.
 */
class SecurePairTest {

  private static final String CLIENT_TOKEN = "client-token-4f1d8a7e";
  private static final String POST_TO_USER_TOKEN = "post-to-user-token-9b2c6e0f";
  private static final Duration RELOAD = Duration.ofMinutes(1);

  @TempDir Path dir;
  @RegisterExtension final Closer toClose = new Closer();
  private LogCapture log;
  private Path ca;

  @BeforeEach
  void captureLogs() {
    log = toClose.add(LogCapture.start());
    ca = TestCertificates.write(dir, "ca.pem");
  }

  /**
   * Starts the secured pair; the Post server presents {@code postToUserToken} to the User server.
   */
  private GrpcServer startPair(String postToUserToken) throws Exception {
    Path cert = TestCertificates.write(dir, "server1.pem");
    Path key = TestCertificates.write(dir, "server1.key");
    GrpcServer userServer =
        UserServer.start(
            UserServerConfig.parse(
                "--port=0",
                "--tls-cert=" + cert,
                "--tls-key=" + key,
                "--tls-client-ca=" + ca,
                "--auth-tokens-file=" + write("user.tokens", "post-server=" + POST_TO_USER_TOKEN)));
    GrpcServer postServer =
        PostServer.start(
            PostServerConfig.parse(
                "--port=0",
                "--tls-cert=" + cert,
                "--tls-key=" + key,
                "--auth-tokens-file=" + write("post.tokens", "client=" + CLIENT_TOKEN),
                "--user-target=localhost:" + userServer.port(),
                "--user-deadline=5s",
                "--user-ca=" + ca,
                "--user-cert=" + TestCertificates.write(dir, "client.pem"),
                "--user-key=" + TestCertificates.write(dir, "client.key"),
                "--user-authority=" + SERVER_AUTHORITY,
                "--user-token-file=" + write("post-to-user.token", postToUserToken)));
    toClose.add(userServer);
    toClose.add(postServer);
    return postServer;
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content + "\n");
  }

  private ManagedChannel tlsChannelTo(GrpcServer server) {
    ReloadingTls<ChannelCredentials> tls = ReloadingTls.forChannel(ca, null, null, RELOAD);
    ManagedChannel channel =
        Grpc.newChannelBuilder("localhost:" + server.port(), tls.credentials())
            .overrideAuthority(SERVER_AUTHORITY)
            .build();
    toClose.add(tls);
    toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  private PostGrpc.PostBlockingStub authenticatedPosts(GrpcServer postServer) {
    return PostGrpc.newBlockingStub(tlsChannelTo(postServer))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .withCallCredentials(new BearerTokenCredentials(CLIENT_TOKEN, false));
  }

  @Test
  void securedPair_answersEverySeedCase() throws Exception {
    PostGrpc.PostBlockingStub posts = authenticatedPosts(startPair(POST_TO_USER_TOKEN));

    SeedPosts.assertAllInOrderWithAuthors(
        posts.listPosts(ListPostsRequest.getDefaultInstance()).getPostMessagesList());
    assertThat(byUser(posts, "1"))
        .extracting(PostMessage::getPostId)
        .containsExactly("1", "2", "3", "4");
    assertThat(byUser(posts, "2")).isEmpty();
    assertThat(byUser(posts, "3")).extracting(PostMessage::getAuthor).containsExactly("Jessie");
    assertThat(byUser(posts, "4")).extracting(PostMessage::getPostId).containsExactly("6", "7");
    assertThat(byUser(posts, "5")).extracting(PostMessage::getAuthor).containsExactly("Tony");
    assertCode(() -> byUser(posts, "99"), Status.Code.NOT_FOUND);
    assertCode(() -> byUser(posts, ""), Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void securedPair_callerWithoutToken_isUnauthenticated_butHealthIsOpen() throws Exception {
    GrpcServer postServer = startPair(POST_TO_USER_TOKEN);
    ManagedChannel channel = tlsChannelTo(postServer);

    assertCode(
        () -> PostGrpc.newBlockingStub(channel).listPosts(ListPostsRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED);
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void postServerWithAWrongTokenForTheUserServer_failsInternal_notUnauthenticated()
      throws Exception {
    PostGrpc.PostBlockingStub posts = authenticatedPosts(startPair("not-" + POST_TO_USER_TOKEN));

    assertThatThrownBy(() -> posts.listPosts(ListPostsRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription()).contains("UNAUTHENTICATED");
            });
  }

  @Test
  void tokensNeverReachTheLog() throws Exception {
    GrpcServer postServer = startPair(POST_TO_USER_TOKEN);
    authenticatedPosts(postServer).listPosts(ListPostsRequest.getDefaultInstance());
    assertCode(
        () ->
            PostGrpc.newBlockingStub(tlsChannelTo(postServer))
                .withCallCredentials(new BearerTokenCredentials("wrong-" + CLIENT_TOKEN, false))
                .listPosts(ListPostsRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED);
    tearDownServersNow();

    assertThat(log.text())
        .contains("post-server stopped", "user-server stopped")
        .doesNotContain(CLIENT_TOKEN, POST_TO_USER_TOKEN);
  }

  private void tearDownServersNow() throws Exception {
    toClose.closeAll();
  }

  private static List<PostMessage> byUser(PostGrpc.PostBlockingStub posts, String userId) {
    return posts
        .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId(userId).build())
        .getPostMessagesList();
  }

  private static void assertCode(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }
}
