package dev.grpcpair.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;

import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.user.v1.UserMessage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

  @Test
  void seed_isTheOriginalsSampleDataInItsOrder() {
    Dataset seed = Datasets.seed();

    assertThat(seed.getUsersList())
        .extracting(UserMessage::getUserId, UserMessage::getName)
        .containsExactly(
            tuple("1", "Henry"),
            tuple("2", "Michael"),
            tuple("3", "Jessie"),
            tuple("4", "Max"),
            tuple("5", "Tony"));
    assertThat(seed.getUsers(0))
        .isEqualTo(
            UserMessage.newBuilder()
                .setUserId("1")
                .setName("Henry")
                .setPhoneNumber("01012341234")
                .setAge(22)
                .build());
    assertThat(seed.getPostsList())
        .extracting(StoredPost::getPostId)
        .containsExactly("1", "2", "3", "4", "5", "6", "7", "8");
    assertThat(seed.getPosts(0).getTitle()).isEqualTo("gRPC 구축하기 (1)");
    assertThat(seed.getPosts(6).getTagsList())
        .containsExactly("money", "asset management", "know-how");
  }

  @Test
  void fromFile_readsProtobufJson(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("data.json");
    Files.writeString(
        file,
        "{\"users\":[{\"user_id\":\"7\",\"name\":\"Ada\"}],"
            + "\"posts\":[{\"postId\":\"70\",\"userId\":\"7\",\"title\":\"t\",\"tags\":[\"x\"]}]}");

    Dataset dataset = Datasets.fromFile(file);

    assertThat(dataset.getUsers(0).getName()).isEqualTo("Ada");
    assertThat(dataset.getPosts(0).getUserId()).isEqualTo("7");
  }

  @Test
  void fromFile_missingFile_saysSo(@TempDir Path dir) {
    Path missing = dir.resolve("missing.json");

    assertThatThrownBy(() -> Datasets.fromFile(missing))
        .isInstanceOf(InvalidDatasetException.class)
        .hasMessage("dataset file " + missing + " does not exist");
  }

  @Test
  void fromFile_unknownField_namesIt(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("data.json");
    Files.writeString(file, "{\"users\":[{\"user_id\":\"7\",\"nickname\":\"Ada\"}]}");

    assertThatThrownBy(() -> Datasets.fromFile(file))
        .isInstanceOf(InvalidDatasetException.class)
        .hasMessageContaining("is not valid")
        .hasMessageContaining("nickname");
  }

  @Test
  void load_aDatasetLargerThanTheHeap_isRefusedBeforeAnyOfItIsMade() {
    // Made, it would take about 440 GiB and hours: refused at once, its index never called.
    DatasetSource huge = DatasetSource.of(null, "2000000000:0");

    assertThatThrownBy(() -> huge.load(dataset -> fail("indexed a dataset that cannot fit")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "the dataset (generated, 2000000000 users and 0 posts) does not fit in the heap (at"
                + " most "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024)
                + " MiB): start the JVM with a larger -Xmx, or serve a smaller dataset");
  }

  @Test
  void load_aDatasetFileLargerThanTheHeap_isRefusedBeforeItIsRead(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("sparse.json");
    // A sparse file: its size is what counts, without the disk space.
    try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
      sparse.setLength(Runtime.getRuntime().maxMemory());
    }

    assertThatThrownBy(
            () -> DatasetSource.of(file, null).load(dataset -> fail("read a file that cannot fit")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("(" + file + ") does not fit in the heap");
  }
}
