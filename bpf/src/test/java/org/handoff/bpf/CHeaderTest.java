package org.handoff.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The header reader on a header written out here, each construct the mirrors' tests read, and what it refuses. */
class CHeaderTest {
    static final CHeader HEADER = CHeader.of(Path.of("example.h"), """
            #define EXAMPLE_MAX_ENTRIES   4096
            #define EXAMPLE_FLAG_B        0x04
            #define EXAMPLE_MAX           7

            /* a key: 8 bytes */
            struct example_key {
            \t__be32 addr;           /*  0: network order */
            \t__be16 port;           /*  4: network order */
            \t__u8 mac[2];           /*  6: a MAC's first bytes */
            };

            enum example_counter {
            \tEXAMPLE_PASSED = 0,     /* passed, untouched */
            \t/* a comment of its own, with a comma, in the list */
            \tEXAMPLE_DROPPED,        /* dropped */
            \tEXAMPLE_COUNTER_COUNT
            };

            #define EXAMPLE_LAYOUT(type, field, offset) _Static_assert(__builtin_offsetof(struct type, field) == (offset), #field)
            #define EXAMPLE_SIZE(type, size) _Static_assert(sizeof(struct type) == (size), #type)
            EXAMPLE_LAYOUT(example_key, addr, 0);
            EXAMPLE_LAYOUT(example_key, port, 4);
            EXAMPLE_LAYOUT(example_key, mac, 6);
            EXAMPLE_SIZE(example_key, 8);
            """);

    @Test
    void readsEachConstructTheMirrorsTestsCheck() {
        assertEquals(4096, HEADER.define("EXAMPLE_MAX_ENTRIES"));
        assertEquals(4, HEADER.define("EXAMPLE_FLAG_B"));
        assertEquals(7, HEADER.define("EXAMPLE_MAX"), "not EXAMPLE_MAX_ENTRIES");
        assertEquals(List.of("__be32 addr", "__be16 port", "__u8 mac"), HEADER.fieldDeclarations("example_key"));
        assertEquals(Map.of("addr", 0, "port", 4, "mac", 6), HEADER.commentedOffsets("example_key"));
        assertEquals(List.of("addr", "port", "mac"), List.copyOf(HEADER.commentedOffsets("example_key").keySet()), "in order");
        assertEquals(Map.of("example_key", Map.of("addr", 0, "port", 4, "mac", 6)), HEADER.layoutAsserts("EXAMPLE_LAYOUT"));
        assertEquals(8, HEADER.sizeAssert("EXAMPLE_SIZE", "example_key"));
        assertEquals(List.of("EXAMPLE_PASSED = 0", "EXAMPLE_DROPPED", "EXAMPLE_COUNTER_COUNT"), HEADER.enumerators("example_counter"));
    }

    @Test
    void whatIsNotThereFailsNamingTheHeader() {
        assertEquals("#define EXAMPLE_MIN in example.h",
                assertThrows(AssertionFailedError.class, () -> HEADER.define("EXAMPLE_MIN")).getMessage());
        assertEquals("struct example_value in example.h",
                assertThrows(AssertionFailedError.class, () -> HEADER.commentedOffsets("example_value")).getMessage());
        assertEquals("EXAMPLE_SIZE(example_value, ...) in example.h",
                assertThrows(AssertionFailedError.class, () -> HEADER.sizeAssert("EXAMPLE_SIZE", "example_value")).getMessage());
        assertEquals("enum example_state in example.h",
                assertThrows(AssertionFailedError.class, () -> HEADER.enumerators("example_state")).getMessage());
        assertEquals(Map.of(), HEADER.layoutAsserts("OTHER_LAYOUT"));
    }
}
