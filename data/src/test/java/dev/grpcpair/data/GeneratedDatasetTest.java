package dev.grpcpair.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.data.v1.StoredPost;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GeneratedDatasetTest {

  @Test
  void generate_isDeterministic_andSpreadsPostsOverAllUsers() {
    Dataset first = Datasets.generate(1000, 10_000);

    assertThat(Datasets.generate(1000, 10_000)).isEqualTo(first);
    assertThat(first.getUsersCount()).isEqualTo(1000);
    assertThat(first.getPostsCount()).isEqualTo(10_000);
    Set<String> owners =
        first.getPostsList().stream().map(StoredPost::getUserId).collect(Collectors.toSet());
    assertThat(owners).hasSize(1000);
    assertThat(new InMemoryPostRepository(first).findByUserId("1")).hasSize(10);
    assertThat(new InMemoryUserRepository(first).findById("1000")).isPresent();
  }
}
