/** Paging of the Hub API's lists: the one page size cap and the cursor that continues a list. */
@NullMarked
package io.codehub.hub.paging;

import org.jspecify.annotations.NullMarked;
