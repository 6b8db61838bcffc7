package dev.grpcpair.post;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.data.Datasets;
import dev.grpcpair.data.InMemoryUserRepository;
import dev.grpcpair.proto.user.v1.BatchGetUsersRequest;
import dev.grpcpair.proto.user.v1.BatchGetUsersResponse;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.user.UserServiceImpl;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The real User service over the seed data, which a test can make fail or hold calls, and which
 * records what it was asked.
 */
final class ScriptedUserService extends UserGrpc.UserImplBase {

  private final UserServiceImpl real =
      new UserServiceImpl(new InMemoryUserRepository(Datasets.seed()));
  private final AtomicInteger getUserCalls = new AtomicInteger();
  private final AtomicReference<Deadline> lastDeadline = new AtomicReference<>();
  private final List<Runnable> held = new ArrayList<>();
  private volatile Status failure;
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile Status nextFailure;
  private volatile boolean holding;
  private volatile Duration answerDelay;
  private volatile boolean batchMissing;
  private final AtomicInteger batchCalls = new AtomicInteger();
  private final Map<String, Status> failuresById = new ConcurrentHashMap<>();

  /** A server of its own (any free port, the servers' defaults) answering from this. */
  GrpcServer serve() throws IOException {
    return GrpcServer.builder("scripted-users", 0, ServerFlags.parse()).addService(this).start();
  }

  /** Answers every later call with {@code status}; {@code null} goes back to answering. */
  void failWith(Status status) {
    this.failure = status;
  }

  /** Answers the next {@code count} calls with {@code status}, then answers normally again. */
  void failNext(int count, Status status) {
    nextFailure = status;
    failuresLeft.set(count);
  }

  /** Answers every later look-up of {@code userId} with {@code status}. */
  void failFor(String userId, Status status) {
    failuresById.put(userId, status);
  }

  /** Holds every later call unanswered until {@link #release}. */
  synchronized void hold() {
    holding = true;
  }

  /** Answers every later call {@code delay} after it arrives (unless it was cancelled by then). */
  void answerAfter(Duration delay) {
    answerDelay = delay;
  }

  /** Answers the held calls (those still waiting) and stops holding. */
  void release() {
    List<Runnable> answers;
    synchronized (this) {
      holding = false;
      answers = new ArrayList<>(held);
      held.clear();
    }
    answers.forEach(Runnable::run);
  }

  /** Answers BatchGetUsers with UNIMPLEMENTED, as a User server of the original contract does. */
  void withoutBatch(boolean missing) {
    batchMissing = missing;
  }

  /** BatchGetUsers calls so far, answered or not. */
  int batchCalls() {
    return batchCalls.get();
  }

  int getUserCalls() {
    return getUserCalls.get();
  }

  /** The deadline the last GetUser call arrived with, or null if it had none. */
  Deadline lastDeadline() {
    return lastDeadline.get();
  }

  @Override
  public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> responseObserver) {
    script(request.getUserId(), responseObserver, () -> real.getUser(request, responseObserver));
  }

  @Override
  public void batchGetUsers(
      BatchGetUsersRequest request, StreamObserver<BatchGetUsersResponse> responseObserver) {
    batchCalls.incrementAndGet();
    if (batchMissing) {
      responseObserver.onError(
          Status.UNIMPLEMENTED
              .withDescription("Method not found: v1.user.User/BatchGetUsers")
              .asRuntimeException());
      return;
    }
    String firstId = request.getUserIdsCount() == 0 ? "" : request.getUserIds(0);
    script(firstId, responseObserver, () -> real.batchGetUsers(request, responseObserver));
  }

  /** Counts the call, then fails it, holds it, or lets {@code answer} answer it, as scripted. */
  private void script(String userId, StreamObserver<?> responseObserver, Runnable answer) {
    lastDeadline.set(Context.current().getDeadline());
    getUserCalls.incrementAndGet();
    Status status = failuresById.getOrDefault(userId, failure);
    if (status == null && failuresLeft.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
      status = nextFailure;
    }
    if (status != null) {
      responseObserver.onError(status.asRuntimeException());
      return;
    }
    synchronized (this) {
      if (holding) {
        held.add(() -> answerUnlessCancelled(answer));
        return;
      }
    }
    Duration delay = answerDelay;
    if (delay != null) {
      CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS)
          .execute(() -> answerUnlessCancelled(answer));
      return;
    }
    answerOrFail(answer, responseObserver);
  }

  /**
   * The real service throws a bad request's status; a server's RecoveryInterceptor would send it.
   */
  private static void answerOrFail(Runnable answer, StreamObserver<?> responseObserver) {
    try {
      answer.run();
    } catch (StatusRuntimeException e) {
      responseObserver.onError(e);
    }
  }

  private void answerUnlessCancelled(Runnable answer) {
    try {
      answer.run();
    } catch (StatusRuntimeException callerGaveUp) {
      // The call timed out or was cancelled while held: nobody is listening any more.
    } catch (RejectedExecutionException serverStopped) {
      // The test that held the call has ended and stopped its server, whose event loop refuses the
      // answer. Uncaught, it would fail whichever test is awaiting then (Awaitility reports other
      // threads' uncaught exceptions).
    }
  }
}
