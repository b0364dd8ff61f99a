package org.handoff.director.routing;

import org.handoff.director.config.Server;

/** How many open flows this director has handed to a server; what least-loaded pools read. */
public interface LoadView {
    /** Open flows handed to the server and not yet closed; 0 for a server never seen. */
    int openFlows(Server server);

    /** A view where every server has no flows (for pools that do not read load, and tests). */
    LoadView NONE = server -> 0;
}
