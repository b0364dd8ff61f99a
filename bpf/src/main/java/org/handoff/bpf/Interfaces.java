package org.handoff.bpf;

import com.sun.jna.Native;
import java.util.List;

/**
 * Interface indexes by name, in the calling thread's network namespace ({@code if_nametoindex}).
 * Not {@link java.net.NetworkInterface}: on Linux it lists only interfaces with an address,
 * and a TUN device or a bare veth end may have none.
 */
public final class Interfaces {
    private Interfaces() {
    }

    /** The index of interface {@code name}; throws when there is none in this namespace. */
    public static int indexOf(String name) {
        int index = LibC.if_nametoindex(name);
        if (index == 0) {
            throw BpfException.of("if_nametoindex", name, Native.getLastError(), List.of());
        }
        return index;
    }
}
