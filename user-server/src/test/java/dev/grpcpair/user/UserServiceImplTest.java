package dev.grpcpair.user;

import static dev.grpcpair.testing.GrpcAssertions.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.server.RecoveryInterceptor;
import dev.grpcpair.data.Datasets;
import dev.grpcpair.data.InMemoryUserRepository;
import dev.grpcpair.proto.ApiLimits;
import dev.grpcpair.proto.user.v1.BatchGetUsersRequest;
import dev.grpcpair.proto.user.v1.BatchGetUsersResponse;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.ListUsersRequest;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import dev.grpcpair.testing.Closer;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UserServiceImplTest {

  @RegisterExtension final Closer closer = new Closer();
  private Server server;
  private ManagedChannel channel;
  private UserGrpc.UserBlockingStub stub;

  @BeforeEach
  void setUp() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            // As GrpcServer serves it: handlers throw statuses, RecoveryInterceptor answers them.
            .addService(
                ServerInterceptors.intercept(
                    new UserServiceImpl(new InMemoryUserRepository(Datasets.seed())),
                    new RecoveryInterceptor()))
            .build()
            .start();
    closer.add(server);
    channel = closer.add(InProcessChannelBuilder.forName(name).directExecutor().build());
    stub = UserGrpc.newBlockingStub(channel);
  }

  @ParameterizedTest
  @CsvSource({
    "1, Henry, 01012341234, 22",
    "2, Michael, 01098128734, 55",
    "3, Jessie, 01056785678, 15",
    "4, Max, 01099999999, 37",
    "5, Tony, 01012344321, 25"
  })
  void getUser_knownId_returnsTheUser(String id, String name, String phone, int age) {
    UserMessage user =
        stub.getUser(GetUserRequest.newBuilder().setUserId(id).build()).getUserMessage();

    assertThat(user)
        .isEqualTo(
            UserMessage.newBuilder()
                .setUserId(id)
                .setName(name)
                .setPhoneNumber(phone)
                .setAge(age)
                .build());
  }

  @Test
  void getUser_unknownId_isNotFoundNamingTheId() {
    assertStatus(
        () -> stub.getUser(GetUserRequest.newBuilder().setUserId("99").build()),
        Status.Code.NOT_FOUND,
        "user \"99\" does not exist");
  }

  @Test
  void getUser_emptyId_isInvalidArgument() {
    assertStatus(
        () -> stub.getUser(GetUserRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        "user_id is required");
  }

  @Test
  void batchGetUsers_answersInTheRequestsOrder_andNamesTheMissingIds() {
    BatchGetUsersResponse response = batchGetUsers(List.of("3", "99", "1", "3", "0"));

    assertThat(response.getUsersList())
        .extracting(UserMessage::getUserId)
        .containsExactly("3", "1", "3");
    assertThat(response.getMissingUserIdsList()).containsExactly("99", "0");
  }

  @Test
  void batchGetUsers_emptyId_isInvalidArgumentNamingItsIndex() {
    assertStatus(
        () -> batchGetUsers(List.of("1", "2", "")),
        Status.Code.INVALID_ARGUMENT,
        "user_ids[2] is required");
  }

  @Test
  void batchGetUsers_idOverTheLimit_isInvalidArgumentNamingItsIndex() {
    String tooLong = "7".repeat(ApiLimits.MAX_ID_BYTES + 1);

    assertStatus(
        () -> batchGetUsers(List.of("1", tooLong)),
        Status.Code.INVALID_ARGUMENT,
        "user_ids[1] \"" + "7".repeat(40) + "…\" (129 chars) is longer than 128 bytes");
  }

  @Test
  void batchGetUsers_overTheIdsPerCall_isInvalidArgument() {
    assertThat(batchGetUsers(Collections.nCopies(ApiLimits.MAX_IDS_PER_CALL, "1")).getUsersCount())
        .isEqualTo(ApiLimits.MAX_IDS_PER_CALL);
    assertStatus(
        () -> batchGetUsers(Collections.nCopies(ApiLimits.MAX_IDS_PER_CALL + 1, "1")),
        Status.Code.INVALID_ARGUMENT,
        "at most 1000 user_ids per call, not 1001");
  }

  @Test
  void listUsers_returnsEveryUserInOrder() {
    assertThat(stub.listUsers(ListUsersRequest.getDefaultInstance()).getUserMessagesList())
        .extracting(UserMessage::getUserId)
        .containsExactly("1", "2", "3", "4", "5");
  }

  private BatchGetUsersResponse batchGetUsers(List<String> ids) {
    return stub.batchGetUsers(BatchGetUsersRequest.newBuilder().addAllUserIds(ids).build());
  }
}
