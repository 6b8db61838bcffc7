package dev.grpcpair.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.grpcpair.proto.InvalidRequestException;
import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.user.v1.UserMessage;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing (Jazzer) of the other input a client or an operator controls: page tokens
 * (with page sizes) and dataset files. A page token either is one this server made for that list,
 * or is refused with {@code INVALID_ARGUMENT}; a dataset either loads into both repositories or is
 * refused with an {@link InvalidDatasetException} that says why. Anything else is a finding.
 *
 * <p>{@code mvn test} fuzzes it for the duration below ({@code JAZZER_FUZZ=1}, set by the build);
 * the corpus it grows is kept in the module's {@code .cifuzz-corpus/} (committed; git ignores the
 * inputs each run adds) and picked up again by the next run. Each run prints its count of inputs
 * tried ({@code #N DONE}).
 */
@Tag("fuzz")
class DataInputFuzzTest {

  private static final List<UserMessage> USERS = users(2500);

  @FuzzTest(maxDuration = "5s")
  void pageTokensAndDatasets_loadOrAreRefusedWithAReason(FuzzedDataProvider data)
      throws IOException {
    if (data.consumeBoolean()) {
      int pageSize = data.consumeInt();
      String query = data.consumeBoolean() ? "users" : "user:" + data.consumeString(8);
      String token = data.consumeRemainingAsString();
      try {
        Page<UserMessage> page = Page.of(USERS, pageSize, token, query);
        assertThat(page.items()).hasSizeLessThanOrEqualTo(1000);
      } catch (InvalidRequestException refused) {
        assertThat(refused.getMessage()).isNotBlank();
      }
      return;
    }
    String json = data.consumeRemainingAsString();
    try {
      Dataset dataset = Datasets.parse(new StringReader(json), "fuzzed");
      new InMemoryUserRepository(dataset);
      new InMemoryPostRepository(dataset);
    } catch (InvalidDatasetException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  private static List<UserMessage> users(int count) {
    List<UserMessage> users = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      users.add(UserMessage.newBuilder().setUserId(String.valueOf(i)).setName("User " + i).build());
    }
    return List.copyOf(users);
  }
}
