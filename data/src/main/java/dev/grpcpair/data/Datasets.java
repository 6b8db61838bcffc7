package dev.grpcpair.data;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.user.v1.UserMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads datasets: protobuf JSON in the shape of {@code v1/data/dataset.proto}. */
public final class Datasets {

  /** The original pair's sample data (5 users, 8 posts), embedded in this module's jar. */
  public static final String SEED_RESOURCE = "/seed-sample-data.json";

  private Datasets() {}

  /** The original pair's sample data, in the original's order. */
  public static Dataset seed() {
    try (InputStream in = Datasets.class.getResourceAsStream(SEED_RESOURCE)) {
      if (in == null) {
        throw new InvalidDatasetException("the embedded dataset " + SEED_RESOURCE + " is missing");
      }
      return parse(new InputStreamReader(in, StandardCharsets.UTF_8), SEED_RESOURCE);
    } catch (IOException e) {
      throw new InvalidDatasetException("cannot read the embedded dataset: " + e.getMessage(), e);
    }
  }

  /** A dataset file users provide. */
  public static Dataset fromFile(Path path) {
    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      return parse(reader, path.toString());
    } catch (NoSuchFileException e) {
      throw new InvalidDatasetException("dataset file " + path + " does not exist", e);
    } catch (IOException e) {
      throw new InvalidDatasetException("cannot read dataset " + path + ": " + e, e);
    }
  }

  /**
   * A dataset of {@code userCount} users ("1", "2", ...) and {@code postCount} posts spread over
   * them, for load tests. Deterministic: every server given the same sizes gets the same data.
   */
  public static Dataset generate(int userCount, int postCount) {
    Dataset.Builder dataset = Dataset.newBuilder();
    for (int i = 1; i <= userCount; i++) {
      dataset.addUsers(
          UserMessage.newBuilder()
              .setUserId(String.valueOf(i))
              .setName("User " + i)
              .setPhoneNumber(String.format("010%08d", i))
              .setAge(18 + i % 60));
    }
    for (int i = 1; i <= postCount; i++) {
      // A fixed stride coprime with most sizes: owners spread over all users, not in runs.
      long owner = (i * 7919L) % userCount + 1;
      dataset.addPosts(
          StoredPost.newBuilder()
              .setPostId(String.valueOf(i))
              .setUserId(String.valueOf(owner))
              .setTitle("Post " + i)
              .setBody("Generated post " + i + " of user " + owner + ", for load tests.")
              .addTags("generated")
              .addTags("tag-" + i % 10));
    }
    return dataset.build();
  }

  /** A dataset from protobuf JSON; {@code source} names it in errors. */
  static Dataset parse(Reader reader, String source) throws IOException {
    Dataset.Builder dataset = Dataset.newBuilder();
    try {
      JsonFormat.parser().merge(reader, dataset);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidDatasetException(
          "dataset " + source + " is not valid: " + e.getMessage(), e);
    }
    return dataset.build();
  }
}
