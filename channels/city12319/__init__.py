"""The link with the city's 12319 platform (上下联动): cases down through
Open311 with the city's own key, status up as signed pushes."""
