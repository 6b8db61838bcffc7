package dev.grpcpair.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.proto.data.v1.Dataset;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

class DatasetFlagsTest {

  /** A command line with the dataset flags, as the servers' have them. */
  @Command(name = "server")
  static final class Server {
    @Mixin DatasetFlags data;
  }

  private static DatasetFlags parse(String... args) {
    Server server = new Server();
    new CommandLine(server).parseArgs(args);
    return server.data;
  }

  @Test
  void neitherFlag_isTheOriginalsSample() {
    DatasetFlags flags = parse();
    flags.check();

    assertThat(flags.load(Dataset::getUsersCount)).isEqualTo(5);
  }

  @Test
  void aBlankSize_isUnset() {
    assertThat(parse("--generate-dataset= ").load(Dataset::getPostsCount)).isEqualTo(8);
  }

  @Test
  void bothFlags_areABadValue() {
    assertThatThrownBy(() -> parse("--dataset=a.json", "--generate-dataset=10:10").check())
        .isInstanceOf(ParameterException.class)
        .hasMessage("give either --dataset or --generate-dataset, not both");
  }

  @Test
  void whatTheDataModuleRefuses_isABadValueOfTheFlagThatNamedIt() {
    assertThatThrownBy(() -> parse("--generate-dataset=lots").load(Dataset::getUsersCount))
        .isInstanceOf(ParameterException.class)
        .hasMessageStartingWith("--generate-dataset: a generated dataset takes USERS:POSTS");
    assertThatThrownBy(() -> parse("--dataset=/nope.json").load(Dataset::getUsersCount))
        .isInstanceOf(ParameterException.class)
        .hasMessageStartingWith("--dataset: ");
  }
}
