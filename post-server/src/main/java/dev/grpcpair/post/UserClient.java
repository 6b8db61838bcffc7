package dev.grpcpair.post;

import com.google.common.base.Throwables;
import com.google.common.base.Ticker;
import com.google.common.collect.Lists;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.grpcpair.proto.ApiLimits;
import dev.grpcpair.proto.user.v1.BatchGetUsersRequest;
import dev.grpcpair.proto.user.v1.BatchGetUsersResponse;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The Post server's client of the User service: one per server, over the one long-lived {@link
 * dev.grpcpair.common.client.UserChannel} (or any {@link Channel}, such as an in-process one in
 * tests), shared by every call. It never blocks: each look-up is a future, answered on the
 * channel's event loop.
 *
 * <p>Every call carries a deadline: the incoming call's, which grpc propagates through {@link
 * Context}, or else the configured default. Failures come out as {@link StatusRuntimeException}s
 * the Post server can return as they are: they name the User service's target and never pass on the
 * User server's own status code blindly (its UNAUTHENTICATED, say, is the Post server's fault, not
 * its caller's).
 */
public final class UserClient {

  /** GetUser calls in flight at once when looking users up one at a time. */
  static final int ONE_BY_ONE_CONCURRENCY = 16;

  private final UserGrpc.UserFutureStub stub;
  private final String target;
  private final Duration defaultDeadline;
  private final BatchSupport batchSupport;

  public UserClient(Channel channel, String target, Duration defaultDeadline) {
    this(channel, target, defaultDeadline, Ticker.systemTicker());
  }

  /** With {@code ticker} telling the time, for tests of when the batch is tried again. */
  UserClient(Channel channel, String target, Duration defaultDeadline, Ticker ticker) {
    this.stub = UserGrpc.newFutureStub(channel);
    this.target = target;
    this.defaultDeadline = defaultDeadline;
    this.batchSupport = new BatchSupport(target, ticker);
  }

  /** The user with {@code userId}, or empty if the User service says there is none. */
  public ListenableFuture<Optional<UserMessage>> findUser(String userId) {
    ListenableFuture<Optional<UserMessage>> found =
        Futures.transform(
            withDeadline().getUser(GetUserRequest.newBuilder().setUserId(userId).build()),
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
   * ApiLimits#MAX_IDS_PER_CALL} distinct ids (sent in parallel), so a page of posts costs one round
   * trip whatever the number of its authors; or, from a User service without BatchGetUsers, one
   * GetUser per id, {@value #ONE_BY_ONE_CONCURRENCY} at a time (see {@link BatchSupport}).
   */
  public ListenableFuture<Map<String, UserMessage>> findUsers(Collection<String> userIds) {
    List<String> distinct = List.copyOf(new LinkedHashSet<>(userIds));
    if (batchSupport.assumedMissing()) {
      return oneByOne(distinct);
    }
    return Futures.catchingAsync(
        batched(distinct),
        StatusRuntimeException.class,
        e -> {
          if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
            return Futures.immediateFailedFuture(translate(e));
          }
          batchSupport.markMissing();
          return oneByOne(distinct);
        },
        inCallContext());
  }

  private ListenableFuture<Map<String, UserMessage>> batched(List<String> distinct) {
    List<ListenableFuture<BatchGetUsersResponse>> batches = new ArrayList<>();
    for (List<String> batch : Lists.partition(distinct, ApiLimits.MAX_IDS_PER_CALL)) {
      batches.add(
          withDeadline()
              .batchGetUsers(BatchGetUsersRequest.newBuilder().addAllUserIds(batch).build()));
    }
    return Futures.transform(
        Futures.allAsList(batches),
        responses -> {
          batchSupport.markPresent();
          Map<String, UserMessage> users = new LinkedHashMap<>();
          responses.forEach(
              response -> response.getUsersList().forEach(u -> users.put(u.getUserId(), u)));
          return users;
        },
        MoreExecutors.directExecutor());
  }

  /** One GetUser per id, in waves of {@value #ONE_BY_ONE_CONCURRENCY}, never blocking. */
  private ListenableFuture<Map<String, UserMessage>> oneByOne(List<String> distinct) {
    Map<String, UserMessage> found = new ConcurrentHashMap<>();
    ListenableFuture<?> waves = Futures.immediateVoidFuture();
    for (List<String> wave : Lists.partition(distinct, ONE_BY_ONE_CONCURRENCY)) {
      waves =
          Futures.transformAsync(
              waves,
              previous ->
                  Futures.allAsList(
                      wave.stream()
                          .map(
                              id ->
                                  Futures.transform(
                                      findUser(id),
                                      user -> user.map(u -> found.put(id, u)),
                                      MoreExecutors.directExecutor()))
                          .toList()),
              inCallContext());
    }
    return Futures.transform(waves, done -> Map.copyOf(found), MoreExecutors.directExecutor());
  }

  /** Continuations that make more calls keep the incoming call's deadline and request id. */
  private static Executor inCallContext() {
    return Context.current().fixedContextExecutor(MoreExecutors.directExecutor());
  }

  private UserGrpc.UserFutureStub withDeadline() {
    // With no deadline of the caller's to inherit, a stuck User server would hold the caller
    // forever.
    return Context.current().getDeadline() == null
        ? stub.withDeadlineAfter(defaultDeadline.toNanos(), TimeUnit.NANOSECONDS)
        : stub;
  }

  private StatusRuntimeException translate(StatusRuntimeException e) {
    Status status = e.getStatus();
    String service = "user service at " + target;
    Status translated =
        switch (status.getCode()) {
          case UNAVAILABLE ->
              Status.UNAVAILABLE.withDescription(service + " is unavailable: " + reason(status));
          // The User server shed the call (its bound of calls in flight, a connection's share of
          // it, or of unread answers) or closed the connection (GOAWAY ENHANCE_YOUR_CALM): for the
          // caller, a dependency out of room for now, which a retry may find again.
          case RESOURCE_EXHAUSTED ->
              Status.UNAVAILABLE.withDescription(service + " is overloaded: " + reason(status));
          case DEADLINE_EXCEEDED ->
              Status.DEADLINE_EXCEEDED.withDescription(
                  service + " did not answer before the deadline");
          case CANCELLED -> Status.CANCELLED.withDescription("the call was cancelled");
          default ->
              Status.INTERNAL.withDescription(
                  service + " failed: " + status.getCode() + ": " + status.getDescription());
        };
    return translated.withCause(e).asRuntimeException();
  }

  /** grpc's description ("io exception", say), and what lies under it ("Connection refused"). */
  private static String reason(Status status) {
    String description = status.getDescription() == null ? "" : status.getDescription();
    if (status.getCause() == null) {
      return description;
    }
    String cause = Throwables.getRootCause(status.getCause()).getMessage();
    return cause == null || description.contains(cause) ? description : description + ": " + cause;
  }

  @Override
  public String toString() {
    return "UserClient{" + target + "}";
  }
}
