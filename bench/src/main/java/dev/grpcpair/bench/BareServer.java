package dev.grpcpair.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.grpcpair.data.Datasets;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdResponse;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.user.v1.BatchGetUsersRequest;
import dev.grpcpair.proto.user.v1.BatchGetUsersResponse;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The floor the servers are measured against: grpc-java alone, on {@code directExecutor()}, no
 * interceptors. Without arguments it answers GetUser (v1 and v2) with user 1 from a constant, and
 * BatchGetUsers from the sample users. With the port of such a server as its argument, it answers
 * ListPostsByUserId with user 1's sample posts, asking that server for the author, and ListPosts
 * with every sample post (one page, as the Post server's default page size holds them), asking it
 * for their authors in one BatchGetUsers, over one plain channel: the same two hops as the pair,
 * with nothing else. Health is served only so the benchmark can tell when it is up.
 */
public final class BareServer {

  /** User 1 of the sample data, built once. */
  private static final GetUserResponse HENRY =
      GetUserResponse.newBuilder().setUserMessage(Datasets.seed().getUsers(0)).build();

  private BareServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    List<BindableService> services =
        args.length == 0
            ? List.of(new Users(), new UsersV2())
            : List.of(new Posts(Integer.parseInt(args[0])));
    ServerBuilder<?> builder =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .directExecutor()
            .addService(new HealthStatusManager().getHealthService());
    services.forEach(builder::addService);
    Server server = builder.build().start();
    System.out.println("bare grpc-java listening on port " + server.getPort());
    server.awaitTermination();
  }

  private static final class Users extends UserGrpc.UserImplBase {
    private final Map<String, UserMessage> byId =
        Datasets.seed().getUsersList().stream()
            .collect(Collectors.toMap(UserMessage::getUserId, Function.identity()));

    @Override
    public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> responses) {
      responses.onNext(HENRY);
      responses.onCompleted();
    }

    @Override
    public void batchGetUsers(
        BatchGetUsersRequest request, StreamObserver<BatchGetUsersResponse> responses) {
      BatchGetUsersResponse.Builder answer = BatchGetUsersResponse.newBuilder();
      for (String id : request.getUserIdsList()) {
        UserMessage user = byId.get(id);
        if (user == null) {
          answer.addMissingUserIds(id);
        } else {
          answer.addUsers(user);
        }
      }
      responses.onNext(answer.build());
      responses.onCompleted();
    }
  }

  /** The same answer for the gateway's {@code GET /v2/users/1} (the v2 messages are v1's). */
  private static final class UsersV2 extends dev.grpcpair.proto.user.v2.UserGrpc.UserImplBase {
    private final dev.grpcpair.proto.user.v2.GetUserResponse henry;

    UsersV2() {
      try {
        henry = dev.grpcpair.proto.user.v2.GetUserResponse.parseFrom(HENRY.toByteString());
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void getUser(
        dev.grpcpair.proto.user.v2.GetUserRequest request,
        StreamObserver<dev.grpcpair.proto.user.v2.GetUserResponse> responses) {
      responses.onNext(henry);
      responses.onCompleted();
    }
  }

  private static final class Posts extends PostGrpc.PostImplBase {
    private final List<StoredPost> allPosts = Datasets.seed().getPostsList();
    private final List<StoredPost> posts =
        allPosts.stream().filter(post -> post.getUserId().equals("1")).toList();
    private final UserGrpc.UserFutureStub users;

    Posts(int userPort) {
      ManagedChannel channel =
          Grpc.newChannelBuilderForAddress(
                  "127.0.0.1", userPort, InsecureChannelCredentials.create())
              .directExecutor()
              .build();
      users = UserGrpc.newFutureStub(channel);
    }

    @Override
    public void listPostsByUserId(
        ListPostsByUserIdRequest request, StreamObserver<ListPostsByUserIdResponse> responses) {
      answer(
          users.getUser(GetUserRequest.newBuilder().setUserId(request.getUserId()).build()),
          responses,
          user -> {
            ListPostsByUserIdResponse.Builder answer = ListPostsByUserIdResponse.newBuilder();
            for (StoredPost post : posts) {
              answer.addPostMessages(withAuthor(post, user.getUserMessage().getName()));
            }
            return answer.build();
          });
    }

    @Override
    public void listPosts(ListPostsRequest request, StreamObserver<ListPostsResponse> responses) {
      BatchGetUsersRequest authors =
          BatchGetUsersRequest.newBuilder()
              .addAllUserIds(
                  allPosts.stream()
                      .map(StoredPost::getUserId)
                      .collect(Collectors.toCollection(LinkedHashSet::new)))
              .build();
      answer(
          users.batchGetUsers(authors),
          responses,
          found -> {
            Map<String, String> names = new HashMap<>();
            found.getUsersList().forEach(user -> names.put(user.getUserId(), user.getName()));
            ListPostsResponse.Builder answer = ListPostsResponse.newBuilder();
            for (StoredPost post : allPosts) {
              answer.addPostMessages(withAuthor(post, names.getOrDefault(post.getUserId(), "")));
            }
            return answer.build();
          });
    }

    /** Answers {@code responses} with what {@code answer} makes of the User server's reply. */
    private static <T, R> void answer(
        ListenableFuture<T> reply, StreamObserver<R> responses, Function<T, R> answer) {
      Futures.addCallback(
          reply,
          new FutureCallback<>() {
            @Override
            public void onSuccess(T value) {
              responses.onNext(answer.apply(value));
              responses.onCompleted();
            }

            @Override
            public void onFailure(Throwable failure) {
              responses.onError(failure);
            }
          },
          MoreExecutors.directExecutor());
    }

    private static PostMessage withAuthor(StoredPost post, String author) {
      return PostMessage.newBuilder()
          .setPostId(post.getPostId())
          .setAuthor(author)
          .setTitle(post.getTitle())
          .setBody(post.getBody())
          .addAllTags(post.getTagsList())
          .build();
    }
  }
}
