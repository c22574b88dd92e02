package io.telegen.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.telegen.source.PartialCollectionException.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartialCollectionExceptionTest {

  @Test
  void keepsOneProblemPerKeyAndCountsWhatWasNotRead() {
    PartialCollectionException e =
        new PartialCollectionException(
            List.of(
                new Problem("/sys/a", "/sys/a: unreadable"),
                new Problem("/sys/a", "/sys/a: unreadable again"),
                new Problem("/sys/b", "/sys/b: not a number")),
            4);

    assertEquals(
        List.of(
            new Problem("/sys/a", "/sys/a: unreadable"),
            new Problem("/sys/b", "/sys/b: not a number")),
        e.problems());
    assertEquals(4, e.unread());
    assertEquals(
        "4 item(s) could not be read; the rest were collected: /sys/a: unreadable; "
            + "/sys/b: not a number",
        e.getMessage());
  }

  @Test
  void theUnreadCountIsAtLeastTheProblemCount() {
    assertEquals(
        2,
        new PartialCollectionException(List.of(new Problem("a", "a"), new Problem("b", "b")), 0)
            .unread());
  }

  @Test
  void throwIfAnyThrowsOnlyWithProblems() throws Exception {
    PartialCollectionException.throwIfAny(List.of());
    assertThrows(
        PartialCollectionException.class,
        () -> PartialCollectionException.throwIfAny(List.of(new Problem("a", "a"))));
    assertThrows(IllegalArgumentException.class, () -> new PartialCollectionException(List.of()));
  }
}
