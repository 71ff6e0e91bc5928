package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The slot writer writes exactly the entries of an array that differ from what the slot holds. */
class DifferingIndexesTest {
    @Test
    void everyIndexWhenTheSlotsContentIsUnknownAndNoneWhenEqual() {
        assertThat(ClassifierMaps.differingIndexes(new int[] {7, 8, 9}, null)).containsExactly(0, 1, 2);
        assertThat(ClassifierMaps.differingIndexes(new int[] {7, 8, 9}, new int[] {7, 8, 9})).isEmpty();
    }

    @Test
    void changesAtTheEdgesAndEntriesBeyondThePreviousLength() {
        assertThat(ClassifierMaps.differingIndexes(new int[] {1, 2, 3, 4}, new int[] {0, 2, 3, 5})).containsExactly(0, 3);
        assertThat(ClassifierMaps.differingIndexes(new int[] {1, 2, 3, 4}, new int[] {1, 9})).containsExactly(1, 2, 3);
    }

    @Test
    void randomChangesInALargeArrayAreFoundExactly() {
        Random random = new Random(11);
        int[] previous = random.ints(65_536, 0, 50).toArray();
        int[] next = previous.clone();
        for (int k = 0; k < 300; k++) {
            next[random.nextInt(next.length)] = random.nextInt(50);
        }
        int[] expected = IntStream.range(0, next.length).filter(i -> next[i] != previous[i]).toArray();
        assertThat(ClassifierMaps.differingIndexes(next, previous)).containsExactly(expected);
    }
}
