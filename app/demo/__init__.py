"""The demo district, modelled on Guangzhou's Huangpu District."""
