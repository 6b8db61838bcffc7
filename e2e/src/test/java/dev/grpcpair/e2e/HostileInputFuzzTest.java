package dev.grpcpair.e2e;

import static dev.grpcpair.testing.GrpcAssertions.codeOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.user.v1.BatchGetUsersRequest;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.ListUsersRequest;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.RawCalls;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated hostile input against the pair over Netty (fuzzing): request bytes, user ids, page
 * tokens and request ids. Whatever a caller sends, the answer is a status it can act on, never
 * UNKNOWN or INTERNAL, and the servers keep answering. jqwik reports the inputs tried; {@code
 * junit-platform.properties} says how to run it longer.
 */
class HostileInputFuzzTest {

  /** What a caller's bad input may get; anything else (UNKNOWN, INTERNAL) is a bug. */
  private static final Set<Status.Code> CALLERS_FAULT_OR_OK =
      Set.of(
          Status.Code.OK,
          Status.Code.INVALID_ARGUMENT,
          Status.Code.NOT_FOUND,
          Status.Code.RESOURCE_EXHAUSTED);

  private static final List<MethodDescriptor<?, ?>> UNARY_METHODS =
      List.of(
          UserGrpc.getGetUserMethod(),
          UserGrpc.getBatchGetUsersMethod(),
          UserGrpc.getListUsersMethod(),
          PostGrpc.getListPostsByUserIdMethod(),
          PostGrpc.getListPostsMethod());

  private static final Closer closer = new Closer();
  private static ManagedChannel users;
  private static ManagedChannel posts;

  @BeforeContainer
  static void startPair() throws IOException {
    GrpcServer userServer = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    GrpcServer postServer =
        closer.add(
            PostServer.start(
                PostServerConfig.parse(
                    "--port=0", "--user-target=localhost:" + userServer.port())));
    users = closer.channelTo(userServer.port());
    posts = closer.channelTo(postServer.port());
  }

  @AfterContainer
  static void stopPair() throws Exception {
    closer.closeAll();
  }

  @Property
  void anyRequestBytes_toAnyUnaryMethod_areAnsweredWithTheCallersStatus(
      @ForAll("unaryMethods") MethodDescriptor<?, ?> method, @ForAll("requestBytes") byte[] bytes) {
    ManagedChannel channel = method.getServiceName().equals(UserGrpc.SERVICE_NAME) ? users : posts;

    assertThat(codeOf(() -> raw(channel, method.getFullMethodName(), bytes)))
        .isIn(CALLERS_FAULT_OR_OK);
  }

  @Property
  void anyUserId_isFoundNotFoundOrInvalid(@ForAll @StringLength(max = 300) String userId) {
    assertThat(
            codeOf(
                () ->
                    UserGrpc.newBlockingStub(users)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getUser(GetUserRequest.newBuilder().setUserId(userId).build())))
        .isIn(CALLERS_FAULT_OR_OK);
    assertThat(
            codeOf(
                () ->
                    PostGrpc.newBlockingStub(posts)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .listPostsByUserId(
                            ListPostsByUserIdRequest.newBuilder().setUserId(userId).build())))
        .isIn(CALLERS_FAULT_OR_OK);
    assertThat(
            codeOf(
                () ->
                    UserGrpc.newBlockingStub(users)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .batchGetUsers(
                            BatchGetUsersRequest.newBuilder().addUserIds(userId).build())))
        .isIn(CALLERS_FAULT_OR_OK);
  }

  @Property
  void anyPageToken_isAPageOrInvalid(@ForAll @StringLength(max = 200) String token) {
    assertThat(
            codeOf(
                () ->
                    PostGrpc.newBlockingStub(posts)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .listPosts(ListPostsRequest.newBuilder().setPageToken(token).build())))
        .isIn(Status.Code.OK, Status.Code.INVALID_ARGUMENT);
    assertThat(
            codeOf(
                () ->
                    UserGrpc.newBlockingStub(users)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .listUsers(ListUsersRequest.newBuilder().setPageToken(token).build())))
        .isIn(Status.Code.OK, Status.Code.INVALID_ARGUMENT);
  }

  @Property
  void anyRequestId_isEchoedWhenSafe_elseReplaced(
      @ForAll @CharRange(from = ' ', to = '~') @StringLength(max = 200) String offered) {
    Metadata headers = new Metadata();
    headers.put(RequestId.HEADER, offered);
    AtomicReference<Metadata> answered = new AtomicReference<>();

    UserGrpc.newBlockingStub(users)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(headers),
            MetadataUtils.newCaptureMetadataInterceptor(answered, new AtomicReference<>()))
        .getUser(GetUserRequest.newBuilder().setUserId("1").build());

    String echoed = answered.get().get(RequestId.HEADER);
    if (offered.matches("[A-Za-z0-9._:/+=-]{1,128}")) {
      assertThat(echoed).isEqualTo(offered);
    } else {
      assertThat(echoed).matches("[0-9a-f-]{36}");
    }
  }

  @Provide
  Arbitrary<MethodDescriptor<?, ?>> unaryMethods() {
    return Arbitraries.of(UNARY_METHODS);
  }

  /** Random bytes, and valid requests with a few bytes changed: both reach deep into parsing. */
  @Provide
  Arbitrary<byte[]> requestBytes() {
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    Arbitrary<byte[]> valid =
        Arbitraries.of(
            GetUserRequest.newBuilder().setUserId("1").build().toByteArray(),
            BatchGetUsersRequest.newBuilder().addUserIds("1").addUserIds("3").build().toByteArray(),
            ListPostsRequest.newBuilder().setPageSize(3).setPageToken("abc").build().toByteArray(),
            ListPostsByUserIdRequest.newBuilder()
                .setUserId("4")
                .setPageSize(1)
                .build()
                .toByteArray());
    Arbitrary<byte[]> mutated =
        Combinators.combine(valid, Arbitraries.integers().between(0, 1000), Arbitraries.bytes())
            .as(
                (bytes, at, value) -> {
                  byte[] copy = bytes.clone();
                  copy[at % copy.length] = value;
                  return copy;
                });
    return Arbitraries.oneOf(random, mutated);
  }

  private static byte[] raw(ManagedChannel channel, String method, byte[] request) {
    return RawCalls.unary(channel, method, request);
  }
}
