package dev.grpcpair.post;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.grpcpair.common.BearerTokenCredentials;
import dev.grpcpair.common.Metrics;
import dev.grpcpair.common.RequestId;
import dev.grpcpair.common.ReloadingTls;
import dev.grpcpair.proto.user.v1.BatchGetUsersRequest;
import dev.grpcpair.proto.user.v1.BatchGetUsersResponse;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Post server's way to the User service: one long-lived channel and its stubs (blocking, for
 * handlers on the handler pool; future, for handlers that must not block), made once at start-up
 * and shared by every call.
 *
 * <p>The channel connects in the background and reconnects by itself, so the Post server starts
 * whether or not the User server is up. Every call carries a deadline: the incoming call's, which grpc propagates
 * through {@link Context}, or else the configured default.
 *
 * <p>Failures come out as {@link StatusRuntimeException}s that the Post server can return as they
 * are: they name the User service's target and never pass on the User server's own status code
 * blindly (its UNAUTHENTICATED, say, is the Post server's fault, not its caller's).
 */
public final class UserClient implements AutoCloseable {

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  /** Ids per BatchGetUsers call: the User server's limit. */
  static final int BATCH_SIZE = 1000;

  private final String target;
  private final UserGrpc.UserBlockingStub stub;
  private final UserGrpc.UserFutureStub futureStub;
  private final Duration defaultDeadline;
  private final ManagedChannel ownedChannel;
  private final ReloadingTls<?> ownedTls;

  /** A client over a channel someone else owns (and closes): tests, or a channel shared wider. */
  public UserClient(Channel channel, String target, Duration defaultDeadline) {
    this(UserGrpc.newBlockingStub(channel), UserGrpc.newFutureStub(channel), target, defaultDeadline, null, null);
  }

  private UserClient(
      UserGrpc.UserBlockingStub stub,
      UserGrpc.UserFutureStub futureStub,
      String target,
      Duration defaultDeadline,
      ManagedChannel ownedChannel,
      ReloadingTls<?> ownedTls) {
    this.stub = stub;
    this.futureStub = futureStub;
    this.target = target;
    this.defaultDeadline = defaultDeadline;
    this.ownedChannel = ownedChannel;
    this.ownedTls = ownedTls;
  }

  /**
   * A client with a channel of its own, made as {@code config} says (TLS, token, balancing,
   * retries, keepalive), recording {@code metrics}, passing the request id on, and closed by
   * {@link #close}.
   */
  public static UserClient connect(UserClientConfig config, Metrics metrics) {
    ChannelCredentials credentials = InsecureChannelCredentials.create();
    ReloadingTls<ChannelCredentials> tls = null;
    if (config.tls() != null) {
      tls = ReloadingTls.forChannel(config.tls());
      credentials = tls.credentials();
    }
    ManagedChannel channel;
    try {
      UserChannelPolicy policy = config.channel();
      ManagedChannelBuilder<?> builder =
          Grpc.newChannelBuilder(config.target(), credentials)
              // Load balancing, client-side health checking and retries, from our file only: a
              // service config published in DNS must not change them behind our back.
              .defaultServiceConfig(UserServiceConfig.load(policy))
              .disableServiceConfigLookUp()
              .enableRetry()
              .keepAliveTime(policy.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
              .keepAliveTimeout(policy.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
              .keepAliveWithoutCalls(policy.keepAliveWithoutCalls())
              .intercept(UserReplicaTrail.clientInterceptor(), RequestId.clientInterceptor())
              // Answers are handled where they arrive: the callbacks are short and never block,
              // and blocking stubs wait on their own thread whatever this says.
              .directExecutor();
      metrics.configure(builder);
      if (config.authority() != null) {
        builder.overrideAuthority(config.authority());
      }
      channel = builder.build();
    } catch (RuntimeException e) {
      if (tls != null) {
        tls.close();
      }
      throw e;
    }
    return new UserClient(
        withCallOptions(UserGrpc.newBlockingStub(channel), config),
        withCallOptions(UserGrpc.newFutureStub(channel), config),
        config.target(),
        config.deadline(),
        channel,
        tls);
  }

  /** Wait-for-ready and the bearer token, alike for both stubs. */
  private static <S extends AbstractStub<S>> S withCallOptions(S stub, UserClientConfig config) {
    S configured = config.channel().waitForReady() ? stub.withWaitForReady() : stub;
    return config.token() == null
        ? configured
        : configured.withCallCredentials(new BearerTokenCredentials(config.token(), config.allowInsecureToken()));
  }

  public String target() {
    return target;
  }

  /**
   * The state of the channel this client made (READY: at least one User replica is connected),
   * asking it to connect if it is idle and {@code connect} is set.
   */
  public ConnectivityState connectivity(boolean connect) {
    return ownedChannel().getState(connect);
  }

  /** Runs {@code callback} once the channel's state is no longer {@code seen}. */
  public void notifyWhenConnectivityChanges(ConnectivityState seen, Runnable callback) {
    ownedChannel().notifyWhenStateChanged(seen, callback);
  }

  private ManagedChannel ownedChannel() {
    if (ownedChannel == null) {
      throw new IllegalStateException("this client does not own its channel: ask its owner");
    }
    return ownedChannel;
  }

  /** The user with {@code userId}, or empty if the User service says there is none. */
  public Optional<UserMessage> findUser(String userId) {
    try {
      return Optional.of(
          stubForThisCall()
              .getUser(GetUserRequest.newBuilder().setUserId(userId).build())
              .getUserMessage());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw translate(e);
    }
  }

  /**
   * {@link #findUser} without blocking: for handlers that answer from the future's callback, so
   * no thread waits on the User service.
   */
  public ListenableFuture<Optional<UserMessage>> findUserAsync(String userId) {
    ListenableFuture<Optional<UserMessage>> found =
        Futures.transform(
            withDefaultDeadline(futureStub).getUser(GetUserRequest.newBuilder().setUserId(userId).build()),
            response -> Optional.of(response.getUserMessage()),
            MoreExecutors.directExecutor());
    return Futures.catchingAsync(
        found,
        StatusRuntimeException.class,
        e ->
            e.getStatus().getCode() == Status.Code.NOT_FOUND
                ? Futures.immediateFuture(Optional.empty())
                : Futures.immediateFailedFuture(translate(e)),
        MoreExecutors.directExecutor());
  }

  /**
   * The users among {@code userIds} that exist, by id: one BatchGetUsers round trip per {@value
   * #BATCH_SIZE} distinct ids (batches go out in parallel), so a page of posts costs one round
   * trip whatever the number of its authors. Never blocks.
   */
  public ListenableFuture<Map<String, UserMessage>> findUsersAsync(Collection<String> userIds) {
    List<String> distinct = List.copyOf(new LinkedHashSet<>(userIds));
    List<ListenableFuture<BatchGetUsersResponse>> batches = new ArrayList<>();
    for (int from = 0; from < distinct.size(); from += BATCH_SIZE) {
      batches.add(
          withDefaultDeadline(futureStub)
              .batchGetUsers(
                  BatchGetUsersRequest.newBuilder()
                      .addAllUserIds(distinct.subList(from, Math.min(distinct.size(), from + BATCH_SIZE)))
                      .build()));
    }
    ListenableFuture<Map<String, UserMessage>> found =
        Futures.transform(
            Futures.allAsList(batches),
            responses -> {
              Map<String, UserMessage> users = new LinkedHashMap<>();
              responses.forEach(response -> response.getUsersList().forEach(user -> users.put(user.getUserId(), user)));
              return users;
            },
            MoreExecutors.directExecutor());
    return Futures.catchingAsync(
        found,
        StatusRuntimeException.class,
        e -> Futures.immediateFailedFuture(translate(e)),
        MoreExecutors.directExecutor());
  }

  private UserGrpc.UserBlockingStub stubForThisCall() {
    return withDefaultDeadline(stub);
  }

  private <S extends AbstractStub<S>> S withDefaultDeadline(S anyStub) {
    // With no deadline of the caller's to inherit, a stuck User server would hold the caller
    // (and, for the blocking stub, a thread) forever.
    return Context.current().getDeadline() == null
        ? anyStub.withDeadlineAfter(defaultDeadline.toNanos(), TimeUnit.NANOSECONDS)
        : anyStub;
  }

  private StatusRuntimeException translate(StatusRuntimeException e) {
    Status status = e.getStatus();
    Status translated;
    switch (status.getCode()) {
      case UNAVAILABLE:
        translated =
            Status.UNAVAILABLE.withDescription(
                "user service at " + target + " is unavailable: " + status.getDescription());
        break;
      case DEADLINE_EXCEEDED:
        translated =
            Status.DEADLINE_EXCEEDED.withDescription(
                "user service at " + target + " did not answer before the deadline");
        break;
      case CANCELLED:
        translated = Status.CANCELLED.withDescription("the call was cancelled");
        break;
      default:
        translated =
            Status.INTERNAL.withDescription(
                "user service at " + target + " failed: " + status.getCode() + ": " + status.getDescription());
        break;
    }
    return translated.withCause(e).asRuntimeException();
  }

  /** Closes the channel if this client made it: lets calls in flight finish for a moment first. */
  @Override
  public void close() throws InterruptedException {
    if (ownedChannel == null) {
      return;
    }
    ownedChannel.shutdown();
    if (!ownedChannel.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
      ownedChannel.shutdownNow();
    }
    if (ownedTls != null) {
      ownedTls.close();
    }
  }

  @Override
  public String toString() {
    return "UserClient{" + target + "}";
  }
}
