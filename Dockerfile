# The artaud image: one image, several roles (collector, ingester, scheduler), chosen by the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# WeasyPrint (the cinemas' statements as PDF) draws with Pango and HarfBuzz, and needs a font
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home /var/lib/artaud --create-home artaud
WORKDIR /opt/artaud
COPY . .
RUN pip install --no-cache-dir .
USER artaud
ENV ARTAUD_PATHS__DATA_DIR=/var/lib/artaud
VOLUME ["/var/lib/artaud"]
ENTRYPOINT ["artaud"]
CMD ["run"]
