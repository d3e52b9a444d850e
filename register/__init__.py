"""The shared register of rental housing and the floating population
(出租屋和流动人口): properties let for rent on addresses of the directory,
the residents living in them with their history, children and employers,
the grids (网格) and their staff's inspections (巡查), whose findings become
cases routed like any other; and the departments' slices of it.

A domain package on the floor of escalation/ and evaluation/: it imports
cases/, escalation/ and core/, never channels/ or app/. It sends signals
(register.signals) that the channels listen to; the app factory wires them.
Privacy is part of the model: ID numbers are validated, encrypted at rest,
searched by an HMAC and shown masked (register.idnumbers, register.crypto);
reveals and exports are written to an access log (register.privacy).
"""
